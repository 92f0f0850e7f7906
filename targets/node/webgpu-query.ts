/**
 * Which WebGPU adapter Dawn gives in a given environment, asked in a child
 * process of its own: Dawn reads the environment once, at load (see
 * ./dawn-env.ts), and a driver that crashes or hangs while being enumerated
 * takes only that child with it, not the probe of every other runtime.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AdapterFacts } from './webgpu-adapter.ts';
import { WEBGPU_QUERY_TREE, workerBundle } from './worker-bundle.ts';

const CHILD = fileURLToPath(new URL('./webgpu-query-child.ts', import.meta.url));

/** `loadFailed`: dawn.node itself did not load (a missing system library, too old a glibc): no driver choice can help. */
export type AdapterAnswer = { found: true; facts: AdapterFacts } | { found: false; why: string; loadFailed?: boolean };

/** Dawn's own explanation on stderr ("Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open …"), first line of it. */
function dawnExplanation(output: string): string | undefined {
  const line = output.split('\n').find((candidate) => /^(Warning|Error):/.test(candidate.trim()));
  return line?.trim().replace(/^(Warning|Error):\s*/, '');
}

export async function queryAdapter(env: Readonly<Record<string, string | undefined>>, timeoutMs: number): Promise<AdapterAnswer> {
  // The child's cached bundle starts without tsx (./worker-bundle.ts); through tsx where there is none.
  return ask(await workerBundle(WEBGPU_QUERY_TREE), env, timeoutMs);
}

function ask(bundle: string | undefined, env: Readonly<Record<string, string | undefined>>, timeoutMs: number): Promise<AdapterAnswer> {
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    // tsx is resolved here, not at import: code bundled without it (the GPU-machine runner) imports this module but never queries.
    const execArgv = bundle ? [] : ['--import', import.meta.resolve('tsx')];
    const child = fork(bundle ?? CHILD, [], { execArgv, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const settle = (answer: AdapterAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      resolve(answer);
    };
    const timer = setTimeout(() => settle({ found: false, why: `Dawn did not answer within ${timeoutMs} ms (timeouts.node.adapterQueryMs)` }), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    // The answer is kept until 'close', which comes after stderr is drained: Dawn's explanation comes with it.
    let answer: AdapterAnswer | undefined;
    child.on('message', (message: AdapterAnswer) => (answer = message));
    child.on('error', (error) => settle({ found: false, why: `the adapter query could not start: ${error.message}` }));
    child.on('close', (code, signal) => {
      const explanation = dawnExplanation(output);
      if (answer?.found) return settle(answer);
      if (answer) return settle(explanation && !answer.loadFailed ? { ...answer, why: `${answer.why} (${explanation})` } : answer);
      const last = explanation ?? output.trim().split('\n').slice(-1)[0];
      settle({ found: false, why: `the adapter query ${signal ? `was killed by ${signal}` : `exited with code ${code}`} without answering${last ? `: ${last}` : ''}` });
    });
  });
}
