/**
 * A software adapter stays out of the default plan: with no --backends,
 * tfjs-webgpu on SwiftShader is discovered, listed by `bench devices` as
 * software, left out of the run with one line saying why and how to include
 * it, and the other runtimes run as usual.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { after, before, test } from 'node:test';
import { formatDevices, listDevices } from '../../harness/commands/devices.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { createNodeTarget } from '../../targets/node/index.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';
import { webgpuSkip } from '../helpers/webgpu.ts';

let out: string;

before(async () => {
  out = await tempDir('node-webgpu-plan');
  await makeTinyArtifact(out, { images: 4 });
});
after(() => rmSync(out, { recursive: true, force: true }));

test('the default plan leaves the software adapter out and says why; bench devices marks it software', { skip: webgpuSkip() }, async (t) => {
  const config = parseConfig({ out, models: ['tiny'], run: { targets: ['node'], warmupIterations: 0, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000 } });
  const devicesLog = memoryLogger();
  const [node] = await listDevices(['node'], { config, log: devicesLog, out, signal: new AbortController().signal }, { node: async () => createNodeTarget(), browser: async () => assert.fail(), android: async () => assert.fail() });
  const status = node!.devices[0]!.runtimes.find((runtime) => runtime.runtime === 'tfjs-webgpu')!;
  assert.equal(status.available, true, status.reason);
  if (!status.software) return t.skip(`this host has a hardware adapter (${status.details?.adapter}): nothing to leave out`);
  assert.match(status.software, /^software adapter: google swiftshader is SwiftShader, which runs on the CPU$/);
  const line = formatDevices([node!]).map((entry) => stripVTControlCharacters(entry)).find((entry) => /^\s+tfjs-webgpu\s/.test(entry));
  assert.match(line ?? '', /available software \(software adapter: google swiftshader is SwiftShader, which runs on the CPU; runs only when named in --backends\) {2}adapter google swiftshader, description SwiftShader driver 5\.0\.0, backend Vulkan, /);

  const log = memoryLogger();
  const { record } = await runBenchmarks({ config, log, out });
  const runtimes = record.measurements.map((m) => m.key.runtime).sort();
  assert.ok(runtimes.includes('tfjs-wasm'), runtimes.join(', '));
  assert.ok(!runtimes.includes('tfjs-webgpu'), 'not measured');
  assert.ok(!record.failures.some((failure) => failure.key.runtime === 'tfjs-webgpu'), 'not planned, so not failed either');
  const leftOut = log.lines.filter((entry) => /tfjs-webgpu on .*: software adapter: google swiftshader is SwiftShader, which runs on the CPU, not a GPU; --backends tfjs-webgpu to measure it anyway$/.test(entry));
  assert.equal(leftOut.length, 1, `one line, no more: ${log.lines.join('\n')}`);
});
