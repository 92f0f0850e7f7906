/**
 * Host work on the fastest engine: MobileNetV2's bottlenecks through native
 * TFLite with XNNPACK (the backbone converted by our own converter) agree
 * with TF.js within the guard's tolerance on real images of the generated
 * dataset; a fast engine that fails to load or computes something else falls
 * back to TF.js with one warning; retraining on the fast engine's bottlenecks
 * gives the accuracy TF.js's give (within one test image), and the bottleneck
 * cache one engine wrote is the other's.
 */
import assert from 'node:assert/strict';
import { cp, readFile, rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { generatedDatasetDir, metadataPath } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { useFastestBackend } from '../../models/backend.ts';
import { decodeImage, generateDefaultDataset, scanDataset } from '../../models/dataset/index.ts';
import { FEATURE_TOLERANCE, guardedFeatureEngine, relativeDifference, tfjsFeatureEngine, tfliteFeatureEngine, type TfliteRunner } from '../../models/feature-engine.ts';
import { retrainModels } from '../../models/retrain.ts';
import { loadBackbone, resolveBackbone, type Backbone } from '../../models/zoo.ts';
import { tfliteHostRunner } from '../../targets/node/tflite-host.ts';
import { keepMobilenetBackboneTflite } from '../helpers/kept-backbone-tflite.ts';
import { tempDir } from '../helpers/tmp.ts';

// 8, not 12: the last test retrains twice (its TF.js one extracts every image's bottleneck on wasm), 109 of this file's 147 s at load 15.
const IMAGES_PER_CLASS = 8;
let out: string;
let backbone: Backbone;
let backend: string;
let pixels: Uint8Array;
const COUNT = 8;
/** TF.js's own features of the COUNT images, computed once: the reference of the first two tests. */
let tfjsFeatures: Promise<Float32Array[]> | undefined;
const tfjsReference = () => (tfjsFeatures ??= tfjsFeatureEngine(backbone, backend).extract(pixels, COUNT));

before(async () => {
  out = await tempDir('fast-engine');
  // The backbone's converted file, kept in the out folder's cache as a first retrain leaves it: every engine below
  // reads it instead of converting MobileNetV2 again (three conversions in this file before).
  await keepMobilenetBackboneTflite(out);
  backend = await useFastestBackend();
  backbone = await loadBackbone(resolveBackbone('mobilenet_v2'));
  const quiet = memoryLogger('quiet');
  const root = await generateDefaultDataset({ out, seed: 1, imagesPerClass: IMAGES_PER_CLASS, log: quiet });
  const dataset = await scanDataset({ root, validationPercent: 10, testPercent: 20, minImagesPerClass: 1, log: quiet });
  // One image of each class first, then more: real photos-like scenes, not noise.
  const picks = dataset.classNames.map((_, classIndex) => dataset.images.find((image) => image.classIndex === classIndex)!).concat(dataset.images).slice(0, COUNT);
  const size = backbone.spec.inputSize;
  pixels = new Uint8Array(COUNT * size * size * 3);
  for (const [index, image] of picks.entries()) pixels.set(await decodeImage(image.path, size), index * size * size * 3);
});
after(async () => {
  backbone.features.dispose();
  await rm(out, { recursive: true, force: true });
});

test('tflite-node bottlenecks agree with TF.js within the tolerance on real images', async () => {
  const fast = await tfliteFeatureEngine(backbone, tfliteHostRunner, { out });
  try {
    assert.equal(fast.name, 'tflite-node');
    assert.equal(fast.kept, true, 'the kept conversion of this very backbone');
    const expected = await tfjsReference();
    const actual = await fast.extract(pixels, COUNT);
    assert.equal(actual.length, COUNT);
    assert.ok(actual.every((vector) => vector.length === backbone.featureSize));
    const difference = relativeDifference(actual, expected);
    assert.ok(difference <= FEATURE_TOLERANCE, `max relative difference ${difference}`);
    assert.ok(expected.some((vector) => vector.some((value) => value > 0)), 'real features, not all zeros');
  } finally {
    fast.dispose();
  }
});

/** The real runner, its outputs nudged: a fast engine that computes something slightly else. */
const skewed: TfliteRunner = {
  ...tfliteHostRunner,
  async open(bytes, options) {
    const session = await tfliteHostRunner.open(bytes, options);
    return { ...session, run: async (input) => (await session.run(input)).map((output) => output.map((value) => value * 1.01 + 1e-3)) };
  },
};

test('a fast engine that disagrees, or fails to load, falls back to TF.js with one warning', async (t) => {
  const tfjs = await tfjsReference();
  for (const [name, fast, warning] of [
    ['disagrees', () => tfliteFeatureEngine(backbone, skewed, { out }), /tflite-node disagrees with tfjs-\w+ on the first batch \(max relative difference/],
    ['fails to load', () => Promise.reject(new Error('libtensorflowlite_c.so: cannot open shared object file')), /the fast engine failed to load \(libtensorflowlite_c\.so/],
  ] as const) {
    await t.test(name, async () => {
      const log = memoryLogger();
      const engine = guardedFeatureEngine({ fast, reference: tfjsFeatureEngine(backbone, backend), log, label: 'mobilenet_v2' });
      // Two batches of two images: the guard's batch, then one after the fallback (each image is a TF.js inference here).
      const imageBytes = pixels.length / COUNT;
      const first = await engine.extract(pixels.subarray(0, 2 * imageBytes), 2);
      const second = await engine.extract(pixels.subarray(2 * imageBytes, 4 * imageBytes), 2);
      engine.dispose();
      assert.equal(engine.name, `tfjs-${backend}`, 'the engine that computed is named');
      const warnings = log.lines.filter((line) => line.includes('warning:'));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, warning);
      assert.match(warnings[0]!, /computing bottlenecks on tfjs-\w+ instead/);
      assert.equal(relativeDifference([...first, ...second], tfjs.slice(0, 4)), 0, "TF.js's own features, for both batches");
    });
  }
});

test('retraining on the fast engine’s bottlenecks: the same accuracy within one test image, and one cache for both engines', async () => {
  const config = parseConfig({ out, models: ['mobilenet_v2'], dataset: { imagesPerClass: IMAGES_PER_CLASS, testPercent: 20 }, retrain: { steps: 200 } });
  const fastOut = out;
  const tfjsOut = await tempDir('fast-engine-tfjs');
  try {
    // The same generated dataset, drawn once in before(): the TF.js retrain finds it complete and reuses it, as a second run would.
    const dataset = (folder: string) => generatedDatasetDir(folder, config.dataset.seed, IMAGES_PER_CLASS);
    await cp(dataset(fastOut), dataset(tfjsOut), { recursive: true });
    const fastLog = memoryLogger();
    const fast = await retrainModels({ config, log: fastLog, out: fastOut, tflite: tfliteHostRunner });
    assert.ok(fastLog.lines.some((line) => /bottlenecks on tflite-node .*the backbone read from the cache/.test(line)), fastLog.lines.join('\n'));
    const slow = await retrainModels({ config: { ...config, out: tfjsOut }, log: memoryLogger('quiet'), out: tfjsOut });
    const [a, b] = [fast.models[0]!, slow.models[0]!];
    assert.equal(a.bottlenecks.engine, 'tflite-node');
    assert.equal(b.bottlenecks.engine, `tfjs-${backend}`);
    const metadata = JSON.parse(await readFile(metadataPath(fastOut, 'mobilenet_v2'), 'utf8')) as ModelMetadata;
    assert.equal(metadata.training?.bottleneckEngine, 'tflite-node', 'kept in metadata.json');
    const tests = a.metadata.dataset.splits.test;
    assert.equal(tests, b.metadata.dataset.splits.test);
    const differentImages = Math.round(Math.abs(a.metadata.training.testAccuracy - b.metadata.training.testAccuracy) * tests);
    assert.ok(differentImages <= 1, `accuracy ${a.metadata.training.testAccuracy} vs ${b.metadata.training.testAccuracy} on ${tests} test images`);

    // The fast engine's cache serves a TF.js-only retrain: nothing recomputed (reuse: false trains the head again, as --force).
    const again = await retrainModels({ config: { ...config, retrain: { ...config.retrain, reuse: false } }, log: memoryLogger('quiet'), out: fastOut });
    assert.equal(again.models[0]!.bottlenecks.computed, 0);
    assert.equal(again.models[0]!.bottlenecks.cached, a.bottlenecks.computed + a.bottlenecks.cached);
    assert.equal(again.models[0]!.bottlenecks.engine, 'cache');
    assert.equal(again.models[0]!.bottlenecks.inferenceSeconds, 0, 'no backbone inference on a warm cache');
    // The same bottlenecks and the same seed: the same head's accuracy (retrain-mobilenet checked this on the default dataset, at a second 1000-step training).
    assert.equal(again.models[0]!.metadata.training.testAccuracy, a.metadata.training.testAccuracy);
  } finally {
    await rm(tfjsOut, { recursive: true, force: true });
  }
});
