/**
 * `bench convert --model graph/model.json` on the nsfwjs package's
 * mobilenet_v2_mid (a TF Hub MobileNetV2 graph model, written out of
 * node_modules by code): all four variants are written, and, checked here
 * apart from the converter's own self-check, on generated dataset images run
 * through tf.loadGraphModel and tfjs-tflite-node, the float32 file agrees with
 * the graph model within 1e-4 and int8 agrees on the top-1 class of ≥ 90%.
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { bench } from '../helpers/cli.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { useFastestBackend } from '../../models/backend.ts';
import { decodeImage, generateDefaultDataset, scanDataset } from '../../models/dataset/index.ts';
import { loadTfjsModel } from '../../models/model-io.ts';
import { agreement } from '../../models/tflite/index.ts';
import { openTfliteSession } from '../../targets/node/tflite.ts';
import { NSFW_NORMALIZATION, writeNsfwGraphModel } from '../fixtures/nsfwjs-graph-model.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * 7 classes × 7 images; calibration takes 14 of them class by class (the first 2 of each class), the check the other 35.
 * Each calibration image is also a pass of the bias correction on TF.js (up to 32 images): 24 were most of the
 * conversion's time. Fewer calibration images make int8's ≥ 90% agreement harder to reach, not easier.
 */
const PER_CLASS = 7;
const CALIBRATION = 14;
const SIZE = 224;

let dir: string;
let modelJson: string;
let root: string;

before(async () => {
  dir = await tempDir('convert-graph');
  modelJson = await writeNsfwGraphModel(dir);
  root = await generateDefaultDataset({ out: join(dir, 'out'), seed: 3, imagesPerClass: PER_CLASS, log: memoryLogger() });
});
after(() => rm(dir, { recursive: true, force: true }));

/** `bench <argv>` in this process (test/helpers/cli.ts). */
const cli = (argv: string[]) => bench(argv);

test('a TF Hub MobileNetV2 graph model converts to all four variants; float32 matches TF.js within 1e-4, int8 agrees on top-1', async (t) => {
  const converted = await cli(['convert', '--model', modelJson, '--images', root, '--calibration-images', String(CALIBRATION), '--json']);
  assert.equal(converted.code, 0, converted.stderr);
  const result = JSON.parse(converted.stdout) as { files: { variant: string; path: string; bytes: number; check?: { maxDelta?: number } }[] };
  assert.deepEqual(result.files.map((file) => file.variant), ['float32', 'float16', 'int8-dynamic', 'int8']);
  const float32 = result.files[0]!;
  const int8 = result.files[3]!;
  assert.ok(float32.check?.maxDelta !== undefined && float32.check.maxDelta <= 1e-4, JSON.stringify(float32.check));
  // int8 weights are a quarter of float32's.
  assert.ok(int8.bytes < float32.bytes / 3, `${int8.bytes} vs ${float32.bytes}`);

  // Independent check on the images the calibration did not see (past the first 2 of each class): the graph model on TF.js against each file.
  const dataset = await scanDataset({ root, validationPercent: 10, testPercent: 10, minImagesPerClass: 1, log: memoryLogger() });
  const unseenFrom = Math.ceil(CALIBRATION / dataset.classNames.length);
  const paths = dataset.classNames.flatMap((_, classIndex) => dataset.images.filter((image) => image.classIndex === classIndex).slice(unseenFrom).map((image) => image.path));
  assert.ok(paths.length >= 30, `${paths.length} check images`);
  const perImage = SIZE * SIZE * 3;
  const pixels = new Uint8Array(paths.length * perImage);
  for (const [index, path] of paths.entries()) pixels.set(await decodeImage(path, SIZE), index * perImage);

  await useFastestBackend();
  const graphModel = (await loadTfjsModel(modelJson)) as tf.GraphModel;
  const reference = tf.tidy(() => graphModel.predict(tf.tensor4d(pixels, [paths.length, SIZE, SIZE, 3], 'int32').toFloat().mul(NSFW_NORMALIZATION.scale)) as tf.Tensor);
  const expected = Float32Array.from(await reference.data());
  const classes = reference.shape.at(-1)!;
  reference.dispose();
  graphModel.dispose();

  const outputsOf = async (path: string) => {
    const session = await openTfliteSession({ bytes: new Uint8Array(await readFile(path)), normalization: NSFW_NORMALIZATION, threads: 1, batchSize: 1 });
    const outputs = new Float32Array(expected.length);
    for (let index = 0; index < paths.length; index++) outputs.set(await session.run(pixels.subarray(index * perImage, (index + 1) * perImage), 1), index * classes);
    await session.dispose();
    return outputs;
  };
  const exact = agreement(expected, await outputsOf(float32.path), classes);
  assert.ok(exact.maxDelta <= 1e-4, `float32 max |Δ| ${exact.maxDelta}`);
  assert.equal(exact.agreement, 1);
  const quantized = agreement(expected, await outputsOf(int8.path), classes);
  t.diagnostic(`${paths.length} images: float32 max |Δ| ${exact.maxDelta.toExponential(1)}; int8 top-1 agreement ${(quantized.agreement * 100).toFixed(0)}%, max |Δ| ${quantized.maxDelta.toFixed(3)}`);
  assert.ok(quantized.agreement >= 0.9, `int8 top-1 agreement ${quantized.agreement} on ${paths.length} images`);
  // Not a constant output: int8 differs from float32, but only a little.
  assert.ok(quantized.maxDelta > 0 && quantized.maxDelta < 0.5, `int8 max |Δ| ${quantized.maxDelta}`);
});
