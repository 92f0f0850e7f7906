/**
 * A GPU device lost mid-job (destroyed inside the measured loop, as a driver
 * reset would lose it) fails that job only, in the phase it happened in,
 * with WebGPU's reason; the next job runs.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { createNodeTarget, DEFAULT_RUNTIME_MODULE } from '../../targets/node/index.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';
import { webgpuSkip } from '../helpers/webgpu.ts';

let out: string;

before(async () => {
  out = await tempDir('node-webgpu-lost');
  await makeTinyArtifact(out, { images: 4 });
});
after(() => rmSync(out, { recursive: true, force: true }));

test('a device lost in the loop fails that job in phase "loop"; the other job is measured', { skip: webgpuSkip() }, async () => {
  const config = parseConfig({
    out,
    models: ['tiny'],
    run: { targets: ['node'], backends: ['test-webgpu-device-lost', 'tfjs-wasm'], warmupIterations: 1, minSamples: 8, minTimeMs: 0, maxTimeMs: 20_000, jobTimeoutMs: 120_000 },
  });
  const losing = new URL('../fixtures/node-webgpu-test-runtimes.ts', import.meta.url).href;
  const { record } = await runBenchmarks({ config, log: memoryLogger(), out, targets: { node: async () => createNodeTarget({ runtimeModules: [DEFAULT_RUNTIME_MODULE, losing] }) } });

  assert.equal(record.status, 'complete');
  assert.deepEqual(record.measurements.map((m) => m.key.runtime), ['tfjs-wasm']);
  assert.equal(record.failures.length, 1);
  const [failure] = record.failures;
  assert.equal(failure!.key.runtime, 'test-webgpu-device-lost');
  assert.equal(failure!.phase, 'loop');
  assert.equal(failure!.error.message, 'the WebGPU device was lost (destroyed): device was destroyed');
});
