/**
 * The self-check at the end of every conversion, through `bench convert`:
 * each variant's file is run on tfjs-tflite-node against the TF.js model and
 * its max |Δ| and top-1 agreement are in the output and in --json; a float32
 * file that computes another function is an error; nothing is written unless
 * every variant converted; a model.json naming a layer TF.js lacks is one line.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { main } from '../../harness/cli.ts';
import { saveLayersModel } from '../../models/model-io.ts';
import { convertLayersModel, convertModel, SelfCheckError, type CheckRuntime } from '../../models/tflite/index.ts';
import { openTfliteSession } from '../../targets/node/tflite.ts';
import { LAYERS, zooImages } from '../helpers/tflite-zoo.ts';
import { tempDir } from '../helpers/tmp.ts';

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => stdout.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => stderr.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

/** A class-per-folder image set (two classes of 6 PNGs) for int8 calibration. */
async function imageFolder(root: string, size: number): Promise<void> {
  const pixels = zooImages(12, size, 'folder');
  for (let n = 0; n < 12; n++) {
    const folder = join(root, n % 2 ? 'odd' : 'even');
    await mkdir(folder, { recursive: true });
    await sharp(Buffer.from(pixels.subarray(n * size * size * 3, (n + 1) * size * size * 3)), { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(folder, `${n}.png`));
  }
}

test('bench convert reports each variant’s self-check in its output and --json', async () => {
  const dir = await tempDir('self-check');
  const model = LAYERS.find((entry) => entry.name === 'activation_swish')!.build();
  const modelJson = await saveLayersModel(model, join(dir, 'swish'));
  await imageFolder(join(dir, 'images'), 16);
  const converted = await cli(['convert', '--model', modelJson, '--images', join(dir, 'images'), '--out', join(dir, 'out'), '--json']);
  assert.equal(converted.code, 0, converted.stderr);
  const { files } = JSON.parse(converted.stdout) as { files: { variant: string; check: { runtime: string; images: number; maxDelta: number; agreement: number; tolerance?: number } }[] };
  assert.deepEqual(files.map((file) => file.variant), ['float32', 'float16', 'int8-dynamic', 'int8']);
  for (const { variant, check } of files) {
    assert.equal(check.runtime, 'tflite-node', variant);
    assert.equal(check.images, 8, variant);
    assert.ok(check.agreement >= 0 && check.agreement <= 1 && check.maxDelta >= 0, variant);
  }
  const float32 = files[0]!.check;
  assert.ok(float32.maxDelta <= 1e-4 && float32.agreement === 1 && float32.tolerance === 1e-4, JSON.stringify(float32));
  assert.ok(files[3]!.check.maxDelta > float32.maxDelta, 'int8 is measured, not copied from float32');
  assert.match(converted.stderr, /float32 → .*swish\/model\.float32\.tflite \(.*checked on tflite-node, 8 images: max \|Δ\| \d\.\de-\d+, top-1 agreement 100%\)/);
  assert.match(converted.stderr, /int8 → .*swish\/model\.int8\.tflite \(.*checked on tflite-node, 8 images: max \|Δ\| /);
  model.dispose();
});

test('a float32 file that computes another function is a SelfCheckError, raised before any file is returned to be written', async () => {
  const model = LAYERS.find((entry) => entry.name === 'leaky_relu')!.build();
  const other = LAYERS.find((entry) => entry.name === 'prelu')!.build();
  const wrongBytes = await convertLayersModel(other, { variant: 'float32' });
  // The real runtime, handed a file of another model: what a converter bug would produce.
  const wrongFile: CheckRuntime = { name: 'tflite-node', open: (_bytes, normalization) => openTfliteSession({ bytes: wrongBytes, normalization, threads: 1, batchSize: 1 }) };
  await assert.rejects(
    convertModel({ model, name: 'leaky', variants: ['float16', 'float32'], check: { runtime: wrongFile, pixels: zooImages(8, 16, 'wrong'), count: 8 } }),
    (error: unknown) => error instanceof SelfCheckError && /leaky: the float32 file differs from the TF\.js model by up to \d\.\d+e[-+]\d+ on 8 images on tflite-node \(allowed 1\.0e-4\)/.test(error.message),
  );
  model.dispose();
  other.dispose();
});

test('an int8 variant that cannot calibrate leaves no float32 file behind', async () => {
  const dir = await tempDir('no-partial');
  const model = LAYERS.find((entry) => entry.name === 'cropping')!.build();
  const modelJson = await saveLayersModel(model, join(dir, 'crop'));
  await mkdir(join(dir, 'empty'), { recursive: true });
  const result = await cli(['convert', '--model', modelJson, '--variants', 'float32,int8', '--images', join(dir, 'empty'), '--normalization', 'unit', '--out', join(dir, 'out')]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: no images found in .*empty: expected one sub-folder per class/);
  assert.ok(!existsSync(join(dir, 'crop', 'model.float32.tflite')), 'the float32 file was not written before int8 failed');
  model.dispose();
});

test('bench convert of a model.json naming a layer TF.js does not have: one error line, exit code 1', async () => {
  const dir = await tempDir('subtract');
  const input = tf.input({ shape: [8, 8, 3] });
  const a = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
  const modelJson = await saveLayersModel(tf.model({ inputs: input, outputs: tf.layers.add({ name: 'difference' }).apply([a, b]) as tf.SymbolicTensor }), join(dir, 'subtract'));
  const json = JSON.parse(await readFile(modelJson, 'utf8'));
  json.modelTopology.config.layers.find((layer: { name: string }) => layer.name === 'difference').class_name = 'Subtract';
  await writeFile(modelJson, JSON.stringify(json));
  const result = await cli(['convert', '--model', modelJson, '--variants', 'float32', '--normalization', 'unit', '--out', join(dir, 'out')]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: .*model\.json: the model uses the layer "Subtract" \(layer "difference"\), which TF\.js 4\.22\.0 does not implement.*\n$/);
});
