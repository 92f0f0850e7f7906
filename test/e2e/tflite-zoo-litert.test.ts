/**
 * LiteRT.js accepts what the converter writes: one model holding every op the
 * per-layer models and the zoo's networks emit, in all four variants, loaded
 * and run by LiteRT.js (wasm) in headless Chromium through the browser
 * target, against TF.js in Node on the same images (float32 within 1e-4 and
 * 100% top-1, float16 within 5e-3, int8 variants at least 90%). The zoo's
 * classifier networks emit no operator code (at its version) that this model
 * does not, in any variant: the test checks that on the host instead of
 * loading each in a page (four page jobs per network; the MobileNetV3-like
 * network ran in the page too, half of this file's time, until this model
 * took its depthwise convolution, hard-swish and reshape). A network's
 * accuracy per variant on a TFLite runtime is tflite-conversion's job. (The
 * U-Net's per-pixel output does not fit the page's per-image evaluation;
 * tflite-node checks it.)
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { writeEvalPack } from '../../harness/core/eval-pack.ts';
import { evalPackDir, liteModelPath, metadataPath, mobileModelPath } from '../../harness/core/layout.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { saveLayersModel } from '../../models/model-io.ts';
import { emitVariant, inspectTflite, prepareModel } from '../../models/tflite/index.ts';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import { artifactFor, jobFor, targetContext, type ModelFixture } from '../helpers/browser-fixture.ts';
import { ALL_OPS, NETWORKS, zooImages, type ZooModel } from '../helpers/tflite-zoo.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { runJob } from '../helpers/run-job.ts';

const IMAGES = 8;
const UNIT = { scale: 1 / 255, offset: 0 };
const VARIANTS = ['float32', 'float16', 'int8-dynamic', 'int8'] as const;
const IN_PAGE = ['all_ops'];
const CLASSIFIERS = [...NETWORKS.filter((network) => network.name !== 'unet_like_decoder'), ALL_OPS];

/** `count` calibration images: 32 where the page's int8 accuracy depends on them, fewer where only the operator codes are read (they do not depend on the ranges). */
function calibrationFor(size: number, count = 32): Float32Array {
  return Float32Array.from(zooImages(count, size, 'calibration'), (pixel) => pixel / 255);
}

/** A .tflite file's operator codes with their versions ("CONV_2D v3"). */
function operatorCodes(bytes: Uint8Array): string[] {
  return inspectTflite(bytes).operatorCodes.map((code) => `${code.name} v${code.version}`);
}

/** The zoo model as a retrained model would lie in the out folder: model.json, metadata, evaluation pack, Node's reference outputs. */
async function fixture(out: string, entry: ZooModel, model: tf.LayersModel): Promise<ModelFixture> {
  const size = model.inputs[0]!.shape[1]!;
  const classNames = Array.from({ length: model.outputs[0]!.shape.at(-1)! }, (_, i) => `class${i}`);
  const modelJsonPath = await saveLayersModel(model, dirname(mobileModelPath(out, entry.name)));
  const metadata = {
    schema: 1,
    model: entry.name,
    backbone: entry.name,
    inputSize: size,
    normalization: UNIT,
    classNames,
    dataset: { root: 'zoo', generated: true, splits: { train: 0, validation: 0, test: IMAGES }, classCounts: {} },
    training: { steps: 0, learningRate: 0, batchSize: 0, optimizer: 'none', distortions: false, backend: 'none', history: [], testAccuracy: 0, perClassAccuracy: {}, confusionMatrix: [], misclassified: [], bottleneckSeconds: 0, trainSeconds: 0 },
    createdAt: new Date(0).toISOString(),
  } as ModelMetadata;
  await mkdir(dirname(metadataPath(out, entry.name)), { recursive: true });
  await writeFile(metadataPath(out, entry.name), JSON.stringify(metadata));
  const pixels = zooImages(IMAGES, size, 'litert');
  const packDir = evalPackDir(out, entry.name);
  await writeEvalPack(packDir, { model: entry.name, count: IMAGES, height: size, width: size, images: pixels, labels: new Array(IMAGES).fill(0), files: Array.from({ length: IMAGES }, (_, i) => `${i}.png`), classNames });
  const probabilities = tf.tidy(() => Array.from((model.predict(tf.tensor4d(pixels, [IMAGES, size, size, 3], 'int32').toFloat().mul(UNIT.scale)) as tf.Tensor).dataSync()));
  const referencePath = join(packDir, 'reference.json');
  await writeFile(referencePath, JSON.stringify({ name: 'node-tfjs', images: IMAGES, classes: classNames.length, probabilities }));
  return { out, model: entry.name, modelJsonPath, metadata, packDir, referencePath, nodeTop1: [], nodeAccuracy: 0 };
}

test('LiteRT.js runs every variant of a model with every op', async (t) => {
  const out = await pageOut('litert-zoo');
  const target = await createBrowserTarget();
  const context = targetContext(out, { run: { targets: ['browser'] } });
  const chromium = (await target.discover!(context)).find((found) => found.device.id.startsWith('chromium'));
  assert.equal(CLASSIFIERS.filter((classifier) => IN_PAGE.includes(classifier.name)).length, IN_PAGE.length, 'every model named for the page is in the zoo');
  if (!chromium) return t.skip('no Chromium here');
  // Chromium launches (as a run's browsers do at its start) while the model is built and converted on the host;
  // prepare, before the first page job, waits for the launch.
  void target.startEarly?.(context, [chromium]);
  let targetReady: Promise<void> | undefined;
  const covered = new Map<string, Set<string>>(VARIANTS.map((variant) => [variant, new Set()]));
  try {
    for (const entry of CLASSIFIERS.filter((classifier) => IN_PAGE.includes(classifier.name))) {
      await t.test(entry.name, async (s) => {
        const model = entry.build();
        const zoo = await fixture(out, entry, model);
        // Prepared and calibrated once for every variant, as `bench convert` does (the same calibration array: one run for both int8 variants).
        const prepared = prepareModel(model);
        const calibration = calibrationFor(zoo.metadata.inputSize);
        const measured: string[] = [];
        for (const variant of VARIANTS) {
          const path = liteModelPath(out, entry.name, variant);
          await mkdir(dirname(path), { recursive: true });
          const bytes = await emitVariant(prepared, { variant, normalization: UNIT, calibration, classNames: zoo.metadata.classNames });
          for (const code of operatorCodes(bytes)) covered.get(variant)!.add(code);
          await writeFile(path, bytes);
          await (targetReady ??= target.prepare?.(context, [chromium]) ?? Promise.resolve());
          const result = await runJob(target, jobFor(zoo, await artifactFor(zoo, 'tflite', variant, path), chromium.device, 'litert-wasm', { kernel: { evalLimit: IMAGES, minSamples: 2 } }), context);
          assert.ok(result.ok, `${variant}: ${result.ok ? '' : `${result.failure.phase}: ${result.failure.error.message}`}`);
          const agreement = result.measurement.evaluation?.agreement;
          assert.ok(agreement, `${variant}: no agreement measured`);
          measured.push(`${variant} ${agreement.maxAbsDiff.toExponential(1)} ${(agreement.top1 * 100).toFixed(0)}%`);
          if (variant === 'float32') assert.ok(agreement.maxAbsDiff <= 1e-4 && agreement.top1 === 1, measured.at(-1));
          if (variant === 'float16') assert.ok(agreement.maxAbsDiff <= 5e-3, measured.at(-1));
          if (variant.startsWith('int8')) assert.ok(agreement.top1 >= 0.9, measured.at(-1));
        }
        s.diagnostic(measured.join(', '));
        model.dispose();
      });
    }
    await t.test('the other classifiers emit no operator code the page did not run', async () => {
      for (const entry of CLASSIFIERS.filter((classifier) => !IN_PAGE.includes(classifier.name))) {
        const model = entry.build();
        const classNames = Array.from({ length: model.outputs[0]!.shape.at(-1)! }, (_, i) => `class${i}`);
        const prepared = prepareModel(model);
        const calibration = calibrationFor(model.inputs[0]!.shape[1]!, 4);
        for (const variant of VARIANTS) {
          const bytes = await emitVariant(prepared, { variant, normalization: UNIT, calibration, classNames });
          const missing = operatorCodes(bytes).filter((code) => !covered.get(variant)!.has(code));
          assert.deepEqual(missing, [], `${entry.name} ${variant}: operator codes LiteRT.js did not run here`);
        }
        model.dispose();
      }
    });
  } finally {
    await target.dispose?.();
  }
});
