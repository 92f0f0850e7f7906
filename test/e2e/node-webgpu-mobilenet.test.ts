/**
 * MobileNet's own kernels on Node `tfjs-webgpu` (Dawn on SwiftShader here)
 * agree with the TF.js reference: the zoo's mobilenet_v3_small_like
 * (strided and 5×5 depthwise convolutions, batch norms, ReLU6 inside
 * hard-swish, squeeze-excite, a residual add) through the Node target. What
 * this adds to node-webgpu-tiny.test.ts (which covers the path: discovery,
 * the adapter in the key and the device block, accuracy) is those kernels on
 * WebGPU. It ran the retrained mobilenet_v2 at 224 px before: one inference
 * on SwiftShader, a CPU pretending to be a GPU, took 15-30 s on this
 * project's 2-core machines, for kernels this 32 px network has too.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { NETWORKS } from '../helpers/tflite-zoo.ts';
import { tempDir } from '../helpers/tmp.ts';
import { webgpuSkip } from '../helpers/webgpu.ts';

const MOBILENET = NETWORKS.find((network) => network.name === 'mobilenet_v3_small_like')!;
let out: string;
let mobilenet: TinyArtifact;

before(async () => {
  out = await tempDir('node-webgpu-mobilenet');
  mobilenet = await makeTinyArtifact(out, { model: 'mobilenet', images: 4, build: MOBILENET.build });
});
after(() => rmSync(out, { recursive: true, force: true }));

test('MobileNet kernels on tfjs-webgpu: measured end to end, agreeing with the TF.js reference', { skip: webgpuSkip() }, async (t) => {
  const config = parseConfig({
    out,
    models: ['mobilenet'],
    run: { targets: ['node'], backends: ['tfjs-webgpu'], rounds: 1, warmupIterations: 0, minSamples: 1, minTimeMs: 0, maxTimeMs: 1 },
  });
  const { record } = await runBenchmarks({ config, log: memoryLogger(), out });
  assert.deepEqual(record.failures, []);
  assert.deepEqual(record.measurements.map((m) => [m.key.model, m.key.runtime]), [['mobilenet', 'tfjs-webgpu']]);
  const [m] = record.measurements;
  assert.ok(m!.latency.p50 > 0 && m!.loadMs > 0 && m!.firstInferenceMs > 0);
  assert.equal(m!.evaluation?.images, mobilenet.images);
  assert.equal(m!.evaluation?.accuracy, mobilenet.accuracy, 'the accuracy the network has on TF.js cpu');
  // The reference is made once, on the fastest exact TF.js engine of the host (tfjs-wasm here).
  assert.match(m!.evaluation?.agreement?.reference ?? '', /^tfjs-(tensorflow|wasm|cpu)$/);
  t.diagnostic(`${m!.device.extra?.webgpuAdapter}: p50 ${m!.latency.p50.toFixed(0)} ms, top-1 agreement ${m!.evaluation?.agreement?.top1}, max |Δp| ${m!.evaluation?.agreement?.maxAbsDiff.toExponential(2)}`);
  assert.equal(m!.evaluation?.agreement?.top1, 1, 'same top-1 class as the reference on every image');
  // float32 on a GPU path vs the CPU: small differences, reported.
  assert.ok(m!.evaluation!.agreement!.maxAbsDiff < 1e-3, `max |Δp| ${m!.evaluation!.agreement!.maxAbsDiff}`);
  assert.match(String(m!.device.extra?.webgpuAdapter), /\S/);
});
