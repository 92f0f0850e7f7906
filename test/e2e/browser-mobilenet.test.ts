/**
 * The real thing in headless Chromium: a retrained mobilenet_v2 as the Mobile
 * artifact on TF.js `wasm`, and its float32 and int8 `.tflite` on LiteRT.js
 * `wasm`. Each agrees with Node on the same artifact (TF.js for the Mobile
 * artifact and the float32 .tflite, native TFLite for the int8 one), and
 * every field of the measurement is filled.
 *
 * In the same browser, two things the page does with a model's numbers, on the
 * tiny colour model (what they check is the page's arithmetic, not the
 * backbone's; mobilenet_v2 cost them ~1 s an inference on SwiftShader WebGL and
 * a second int8 calibration): TF.js `webgl` agreeing with Node, and an int8
 * file with uint8 input and output fed and read with its quantisation.
 * (mobilenet_v2's ops on webgl are TF.js's own kernels: no test runs the real
 * network there since retrain-workload-browser moved to a tiny backbone.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Measurement } from '../../harness/core/record.ts';
import { liteModelPath } from '../../harness/core/layout.ts';
import { convertArtifacts } from '../../models/tflite/index.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import type { JobResult } from '../../targets/types.ts';
import { artifactFor, colourModelFixture, jobFor, mobilenetFixture, targetContext, tfliteNodeReference } from '../helpers/browser-fixture.ts';
import { copyConvertedMobilenet } from '../helpers/converted-mobilenet.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';
import { runJob } from '../helpers/run-job.ts';

// Enough images for agreement to mean something (each must agree with Node),
// few enough that MobileNetV2 at 224 px stays cheap on every runtime here:
// every image is an inference in the page and one or two on Node for its reference.
const IMAGES = 4;
/** The fewest timed samples assertComplete accepts: the page's timing loop is not what these jobs check. */
const KERNEL = { evalLimit: IMAGES, minSamples: 3 };

function measured(result: JobResult, what: string): Measurement {
  assert.ok(result.ok, `${what} failed: ${result.ok ? '' : `${result.failure.phase}: ${result.failure.error.message}`}`);
  return result.measurement;
}

/** Every field a report reads, with a plausible value. */
function assertComplete(m: Measurement, runtime: string, model = 'mobilenet_v2'): void {
  assert.equal(m.key.target, 'browser');
  assert.equal(m.key.runtime, runtime);
  assert.equal(m.key.model, model);
  assert.match(m.key.device, /^chromium-\d+$/);
  assert.equal(m.key.options.batch, 1);
  assert.equal(m.batchSize, 1);
  assert.match(m.device.browser?.version ?? '', /^\d+\./);
  assert.ok(m.device.browser?.userAgent);
  assert.ok(m.device.gpu?.renderer, 'GPU renderer string');
  assert.equal(m.device.extra?.crossOriginIsolated, true);
  assert.equal(typeof m.device.extra?.backend, 'string');
  if (runtime.endsWith('-wasm')) {
    assert.equal(typeof m.device.extra?.threads, 'number');
    assert.equal(typeof m.device.extra?.simd, 'boolean');
    assert.equal(typeof m.key.options.threads, 'number');
  }
  for (const value of [m.loadMs, m.firstInferenceMs, m.warmup.ms, m.throughput]) assert.ok(Number.isFinite(value) && value > 0, `${runtime}: ${value}`);
  const { latency } = m;
  assert.equal(latency.samples, m.samples.length);
  assert.ok(m.samples.length >= 3);
  assert.ok(latency.min <= latency.p50 && latency.p50 <= latency.p99 && latency.p99 <= latency.max);
  for (const field of ['mean', 'sd', 'rme', 'p90', 'p95'] as const) assert.ok(Number.isFinite(latency[field]), `${runtime}: latency.${field}`);
  assert.ok(!Number.isNaN(Date.parse(m.startedAt)) && Date.parse(m.finishedAt) >= Date.parse(m.startedAt));
  assert.ok(m.evaluation, 'evaluation');
  assert.ok(m.evaluation.agreement, 'agreement with the reference');
}

test('mobilenet_v2 in headless Chromium agrees with Node', async (t) => {
  const out = await pageOut('browser-mobilenet');
  // The model and its float32 and int8 .tflite from the build cache (converting is tflite-retrained's subject).
  await copyConvertedMobilenet(out);
  const fixture = await mobilenetFixture(out, IMAGES);

  const target = createBrowserTarget();
  const context = targetContext(out);
  t.after(() => target.dispose?.());
  const chromium = (await target.discover(context)).find((entry) => entry.usable);
  assert.ok(chromium, 'a usable Chromium');
  const mobile = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);

  await t.test('Mobile artifact on TF.js wasm (SIMD, threads)', async () => {
    const m = measured(await runJob(target, jobFor(fixture, mobile, chromium.device, 'tfjs-wasm', { kernel: KERNEL }), context), 'tfjs-wasm');
    assertComplete(m, 'tfjs-wasm');
    assert.equal(m.key.options.simd, true);
    assert.equal(m.evaluation?.images, IMAGES);
    assert.ok(m.evaluation!.agreement!.top1 >= 0.99, `top-1 agreement ${m.evaluation!.agreement!.top1}`);
    assert.ok(m.evaluation!.agreement!.maxAbsDiff < 1e-3);
    assert.equal(m.evaluation?.accuracy, fixture.nodeAccuracy);
  });

  await t.test('float32 .tflite on LiteRT.js wasm agrees with the Mobile artifact on Node', async () => {
    const lite = await artifactFor(fixture, 'tflite', 'float32', liteModelPath(out, 'mobilenet_v2', 'float32'));
    const m = measured(await runJob(target, jobFor(fixture, lite, chromium.device, 'litert-wasm', { kernel: KERNEL }), context), 'litert-wasm float32');
    assertComplete(m, 'litert-wasm');
    assert.equal(m.key.variant, 'float32');
    assert.equal(m.key.format, 'tflite');
    assert.ok(m.evaluation!.agreement!.top1 >= 0.99, `top-1 agreement ${m.evaluation!.agreement!.top1}`);
    assert.ok(m.evaluation!.agreement!.maxAbsDiff < 1e-3);
    assert.equal(m.evaluation?.accuracy, fixture.nodeAccuracy);
  });

  await t.test('int8 .tflite on LiteRT.js wasm agrees with native TFLite on Node', async (t2) => {
    const path = liteModelPath(out, 'mobilenet_v2', 'int8');
    const node = await tfliteNodeReference(fixture, path, IMAGES);
    if ('unavailable' in node) {
      t2.skip(`tflite-node unavailable: ${node.unavailable}`);
      return;
    }
    const lite = await artifactFor(fixture, 'tflite', 'int8', path);
    const job = { ...jobFor(fixture, lite, chromium.device, 'litert-wasm', { kernel: KERNEL }), referencePath: node.path };
    const m = measured(await runJob(target, job, context), 'litert-wasm int8');
    assertComplete(m, 'litert-wasm');
    assert.equal(m.key.variant, 'int8');
    assert.equal(m.evaluation?.agreement?.reference, 'tflite-node');
    assert.ok(m.evaluation!.agreement!.top1 >= 0.99, `top-1 agreement with tflite-node ${m.evaluation!.agreement!.top1}`);
    assert.equal(m.evaluation?.accuracy, node.accuracy);
  });

  // The colour model from here on, in its own out folder (its Node reference on TF.js cpu).
  const colour = await colourModelFixture(await tempDir('browser-colour'), 6);

  await t.test('Mobile artifact on TF.js webgl (SwiftShader here) agrees with Node', async () => {
    const mobileColour = await artifactFor(colour, 'tfjs', 'float32', colour.modelJsonPath);
    const m = measured(await runJob(target, jobFor(colour, mobileColour, chromium.device, 'tfjs-webgl', { kernel: { minSamples: 3, maxTimeMs: 30_000 } }), context), 'tfjs-webgl');
    assertComplete(m, 'tfjs-webgl', colour.model);
    assert.equal(m.device.extra?.backend, 'webgl');
    assert.equal(m.evaluation?.images, 6);
    assert.equal(m.evaluation!.agreement!.top1, 1);
    assert.ok(m.evaluation!.agreement!.maxAbsDiff < 1e-3, `max |Δ| ${m.evaluation!.agreement!.maxAbsDiff}`);
    assert.equal(m.evaluation?.accuracy, colour.nodeAccuracy);
  });

  await t.test('int8 .tflite with uint8 input and output: fed and read with the file\'s quantisation', async (t2) => {
    await convertArtifacts({ out: colour.out, models: [colour.model], variants: ['int8'], calibrationImages: 6, io: 'uint8', log: memoryLogger('quiet') });
    const path = liteModelPath(colour.out, colour.model, 'int8');
    const node = await tfliteNodeReference(colour, path, 6);
    if ('unavailable' in node) {
      t2.skip(`tflite-node unavailable: ${node.unavailable}`);
      return;
    }
    const lite = await artifactFor(colour, 'tflite', 'int8', path);
    const job = { ...jobFor(colour, lite, chromium.device, 'litert-wasm'), referencePath: node.path };
    const m = measured(await runJob(target, job, context), 'litert-wasm int8 uint8-io');
    assert.equal(m.evaluation?.agreement?.reference, 'tflite-node');
    assert.equal(m.evaluation!.agreement!.top1, 1, 'top-1 agreement with tflite-node');
    assert.ok(m.evaluation!.agreement!.maxAbsDiff < 0.02, `probabilities dequantised like tflite-node's: ${m.evaluation!.agreement!.maxAbsDiff}`);
    assert.equal(m.evaluation?.accuracy, node.accuracy);
  });
});
