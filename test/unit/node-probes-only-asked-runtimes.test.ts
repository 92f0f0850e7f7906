// A run whose --backends names runtimes probes those alone (a probe can cost
// seconds: Dawn's adapter queries), while `bench devices` lists every one
// whatever a config file's run.backends says.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { listDevices } from '../../harness/commands/devices.ts';
import { createNodeTarget } from '../../targets/node/index.ts';
import type { TargetContext } from '../../targets/types.ts';
import { probeCalls } from '../fixtures/node-probe-counting-runtimes.ts';

const runtimeModules = [new URL('../fixtures/node-probe-counting-runtimes.ts', import.meta.url).href];

async function context(backends?: string[]): Promise<TargetContext> {
  const out = await mkdtemp(join(tmpdir(), 'edgebench-probe-only-'));
  return { config: parseConfig({ out, ...(backends ? { run: { backends } } : {}) }), log: memoryLogger(), out, signal: new AbortController().signal };
}

const names = (found: Awaited<ReturnType<ReturnType<typeof createNodeTarget>['discover']>>) => found.flatMap((device) => device.runtimes.map((runtime) => runtime.runtime));

test('a run naming --backends probes only those runtimes; without it, every one', async () => {
  probeCalls.clear();
  const asked = await createNodeTarget({ runtimeModules, isolate: false }).discover(await context(['count-b', 'tfjs-wasm']));
  assert.deepEqual(names(asked), ['count-b']);
  assert.deepEqual([...probeCalls.keys()], ['count-b']);

  probeCalls.clear();
  const every = await createNodeTarget({ runtimeModules, isolate: false }).discover(await context());
  assert.deepEqual(names(every), ['count-a', 'count-b', 'count-c']);
  assert.deepEqual([...probeCalls.keys()].sort(), ['count-a', 'count-b', 'count-c']);
});

test('bench devices lists every runtime even when the config names backends', async () => {
  probeCalls.clear();
  const listings = await listDevices(['node'], await context(['count-c']), { node: async () => createNodeTarget({ runtimeModules, isolate: false }) } as never);
  assert.deepEqual(listings.flatMap((listing) => listing.devices.flatMap((device) => device.runtimes.map((runtime) => runtime.runtime))), ['count-a', 'count-b', 'count-c']);
});
