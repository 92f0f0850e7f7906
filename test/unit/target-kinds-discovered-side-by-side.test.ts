/**
 * The target kinds are discovered side by side, not one after another (a
 * warm `bench all` waited 2.4 s for them in turn before its first job), and
 * the result keeps the kinds' order; then each target's early start (a
 * browser's launch) is begun only on the devices the plan will give jobs to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { discoverKinds, startTargetsEarly } from '../../harness/targets.ts';
import type { ActiveTarget } from '../../harness/plan.ts';
import type { DiscoveredDevice, Target, TargetContext } from '../../targets/types.ts';

const config = parseConfig({ out: '/tmp/x', models: ['m'] });
const context: TargetContext = { config, log: memoryLogger(), out: '/tmp/x', signal: new AbortController().signal };

function deviceWith(id: string, runtimes: DiscoveredDevice['runtimes']): DiscoveredDevice {
  return { device: { id, kind: 'browser', name: id }, usable: true, runtimes };
}

test('every kind is asked before any answers; the answers come back in the kinds order', async () => {
  const asked: string[] = [];
  let releaseAll: () => void = () => {};
  const allAsked = new Promise<void>((resolve) => (releaseAll = resolve));
  const target = (kind: 'node' | 'browser' | 'android'): Target => ({
    kind,
    async discover() {
      asked.push(kind);
      if (asked.length === 3) releaseAll();
      // One after another, the first kind would wait here forever for the others to be asked.
      await allAsked;
      return [{ device: { id: kind, kind, name: kind }, usable: true, runtimes: [] }];
    },
    run: async () => assert.fail('not run'),
  });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the kinds were discovered one at a time')), 2000).unref());
  const found = await Promise.race([
    discoverKinds(['node', 'browser', 'android'], context, { node: async () => target('node'), browser: async () => target('browser'), android: async () => target('android') }),
    timeout,
  ]);
  assert.deepEqual(found.map((entry) => entry.kind), ['node', 'browser', 'android']);
  assert.ok(found.every((entry) => entry.ok));
});

test('a kind that fails to load or to discover is that kind failure, the others found', async () => {
  const found = await discoverKinds(['node', 'browser'], context, {
    node: async () => {
      throw new Error('no such module\nstack');
    },
    browser: async () => ({ kind: 'browser', discover: async () => [deviceWith('chromium', [])], run: async () => assert.fail('not run') }),
  });
  assert.deepEqual(found[0], { kind: 'node', ok: false, stage: 'load', message: 'no such module' });
  assert.equal(found[1]?.ok, true);
});

test('the early start is begun on the devices with a runtime the plan takes, and settles when they have', async () => {
  const begun: string[] = [];
  let finish: () => void = () => {};
  const launched = new Promise<void>((resolve) => (finish = resolve));
  const browser: Target = {
    kind: 'browser',
    discover: async () => [],
    async startEarly(_context, devices) {
      begun.push(...devices.map((found) => found.device.id));
      await launched;
    },
    run: async () => assert.fail('not run'),
  };
  const wasm = { runtime: 'tfjs-wasm', format: 'tfjs' as const, available: true };
  const active: ActiveTarget[] = [
    {
      target: browser,
      devices: [deviceWith('chromium', [wasm]), deviceWith('nothing-available', [{ ...wasm, available: false, reason: 'no wasm' }])],
    },
    { target: { kind: 'node', discover: async () => [], run: async () => assert.fail('not run') }, devices: [deviceWith('host', [wasm])] },
  ];
  let settled = false;
  const started = startTargetsEarly(active, context).then(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(begun, ['chromium'], 'a device the plan gives no job to is not started');
  assert.equal(settled, false, 'settles only when what was begun has');
  finish();
  await started;
  assert.equal(settled, true);

  const named = { ...context, config: parseConfig({ out: '/tmp/x', models: ['m'], run: { backends: ['tflite-node'] } }) };
  begun.length = 0;
  await startTargetsEarly(active, named);
  assert.deepEqual(begun, [], '--backends naming none of its runtimes starts nothing there');
});
