/**
 * Child process of ./webgpu-query.ts: asks Dawn, in this process's
 * environment, for the adapter TF.js's webgpu backend would get, makes a
 * device on it (an adapter that cannot make one cannot run a job), answers
 * once over IPC and exits (a live Dawn instance would keep Node running).
 */
import { adapterFacts, identifyBackend, loadDawn, POWER_PREFERENCE } from './dawn.ts';
import type { AdapterAnswer } from './webgpu-query.ts';

async function query(): Promise<AdapterAnswer> {
  let dawn: Awaited<ReturnType<typeof loadDawn>>;
  try {
    dawn = await loadDawn();
  } catch (error) {
    return { found: false, loadFailed: true, why: (error as Error)?.message?.split('\n')[0] ?? String(error) };
  }
  const adapter = await dawn.create([]).requestAdapter({ powerPreference: POWER_PREFERENCE });
  if (!adapter) return { found: false, why: 'Dawn found no adapter' };
  const device = await adapter.requestDevice();
  device.destroy();
  return { found: true, facts: adapterFacts(adapter, await identifyBackend(dawn, adapter.info)) };
}

function answer(message: AdapterAnswer): void {
  process.send!(message, undefined, {}, () => process.exit(0));
}

if (!process.send) {
  process.stderr.write('targets/node/webgpu-query-child.ts runs as a child process (it needs an IPC channel)\n');
  process.exit(2);
}
query().then(answer, (error: unknown) => answer({ found: false, why: (error as Error)?.message?.split('\n')[0] ?? String(error) }));
