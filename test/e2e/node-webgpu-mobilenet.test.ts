/**
 * The real model on Node `tfjs-webgpu`: mobilenet_v2 retrained on a small
 * generated dataset runs through the Node target (Dawn on SwiftShader here)
 * and agrees with the TF.js `cpu` reference. What this adds to
 * node-webgpu-tiny.test.ts (which covers the path: discovery, the adapter in
 * the key and the device block, accuracy) is MobileNetV2's own kernels
 * (depthwise convolutions, ReLU6, 224 px) on WebGPU agreeing with the CPU.
 *
 * So one evaluation image and one timed inference: SwiftShader is a CPU
 * pretending to be a GPU, and one MobileNetV2 inference on it takes 15-30 s
 * on this project's 2-core machines. The retrained model is the tier's
 * shared one (test/helpers/retrained-mobilenet.ts), not retrained here.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { copyRetrainedMobilenet } from '../helpers/retrained-mobilenet.ts';
import { tempDir } from '../helpers/tmp.ts';
import { webgpuSkip } from '../helpers/webgpu.ts';

const IMAGES = 1;
let out: string;

before(async () => {
  out = await tempDir('node-webgpu-mobilenet');
});
after(() => rmSync(out, { recursive: true, force: true }));

test('mobilenet_v2 on tfjs-webgpu: measured end to end, agreeing with the TF.js reference', { skip: webgpuSkip(), timeout: 900_000 }, async (t) => {
  await copyRetrainedMobilenet(out);
  const config = parseConfig({
    out,
    models: ['mobilenet_v2'],
    run: { targets: ['node'], backends: ['tfjs-webgpu'], evalLimit: IMAGES, evalBudgetMs: 600_000, rounds: 1, warmupIterations: 0, minSamples: 1, minTimeMs: 0, maxTimeMs: 1, jobTimeoutMs: 600_000 },
  });
  const { record } = await runBenchmarks({ config, log: memoryLogger(), out });
  assert.deepEqual(record.failures, []);
  assert.deepEqual(record.measurements.map((m) => [m.key.model, m.key.runtime]), [['mobilenet_v2', 'tfjs-webgpu']]);
  const [m] = record.measurements;
  assert.ok(m!.latency.p50 > 0 && m!.loadMs > 0 && m!.firstInferenceMs > 0);
  assert.equal(m!.evaluation?.images, IMAGES);
  // The reference is made once, on the fastest exact TF.js engine of the host (tfjs-wasm here).
  assert.match(m!.evaluation?.agreement?.reference ?? '', /^tfjs-(tensorflow|wasm|cpu)$/);
  t.diagnostic(`${m!.device.extra?.webgpuAdapter}: p50 ${m!.latency.p50.toFixed(0)} ms, top-1 agreement ${m!.evaluation?.agreement?.top1}, max |Δp| ${m!.evaluation?.agreement?.maxAbsDiff.toExponential(2)}`);
  assert.equal(m!.evaluation?.agreement?.top1, 1, 'same top-1 class as TF.js cpu');
  // float32 on a GPU path vs the CPU: small differences, reported.
  assert.ok(m!.evaluation!.agreement!.maxAbsDiff < 1e-3, `max |Δp| ${m!.evaluation!.agreement!.maxAbsDiff}`);
  assert.match(String(m!.device.extra?.webgpuAdapter), /\S/);
});
