/**
 * `bench devices`: every target kind is listed; Node shows each runtime as
 * available or unavailable with the reason; a target whose module fails to
 * import is listed as unavailable with its error.
 */
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDevices, listDevices, type TargetListing } from '../../harness/commands/devices.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { Target } from '../../targets/types.ts';
import { createNodeTarget } from '../../targets/node/index.ts';
import { bench } from '../helpers/cli.ts';

test('listDevices: Node with its runtimes; a target that fails to import or to discover is unavailable with the error', async () => {
  const out = mkdtempSync(join(tmpdir(), 'edgebench-devices-'));
  try {
    const context = { config: parseConfig({ out }), log: memoryLogger(), out, signal: new AbortController().signal };
    const listings = await listDevices(['node', 'browser', 'android'], context, {
      node: async () => createNodeTarget({ isolate: false }),
      browser: async () => {
        throw new Error("Cannot find module '/x/targets/browser/index.ts'");
      },
      android: async () => ({ kind: 'android', discover: async () => Promise.reject(new Error('adb: not found')), run: async () => Promise.reject(new Error('unused')) }) satisfies Target,
    });
    assert.deepEqual(listings.map((listing) => [listing.kind, listing.available]), [['node', true], ['browser', false], ['android', false]]);
    assert.match(listings[1]!.reason!, /cannot load the browser target: Cannot find module/);
    assert.match(listings[2]!.reason!, /discovery failed: adb: not found/);

    const node = listings[0]!.devices[0]!;
    assert.equal(node.device.id, 'host');
    assert.equal(node.usable, true);
    const status = new Map(node.runtimes.map((runtime) => [runtime.runtime, runtime]));
    assert.equal(status.get('tfjs-wasm')?.available, true);
    assert.equal(status.get('tfjs-cpu')?.available, true);
    for (const runtime of node.runtimes.filter((candidate) => !candidate.available)) assert.ok(runtime.reason, `${runtime.runtime} says why it is unavailable`);

    const lines = formatDevices(listings).map((line) => stripVTControlCharacters(line));
    assert.ok(lines.some((line) => /^\s+tfjs-wasm\s+available/.test(line)), lines.join('\n'));
    assert.ok(lines.some((line) => line.startsWith('browser: unavailable (cannot load the browser target')));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('bench devices --targets node --json prints the listing as JSON on stdout', async () => {
  const out = mkdtempSync(join(tmpdir(), 'edgebench-devices-cli-'));
  try {
    const result = await bench(['devices', '--targets', 'node', '--json', '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    const { targets } = JSON.parse(result.stdout) as { targets: TargetListing[] };
    assert.equal(targets.length, 1);
    const runtimes = targets[0]!.devices[0]!.runtimes;
    assert.deepEqual(runtimes.map((runtime) => runtime.runtime), ['tfjs-tensorflow', 'tfjs-tensorflow-gpu', 'tfjs-webgpu', 'tfjs-wasm', 'tfjs-cpu', 'tflite-node']);
    assert.ok(runtimes.every((runtime) => runtime.available || (runtime.reason ?? '').length > 0));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
