/**
 * `bench convert --model <model.json>` and `bench inspect` through the CLI's
 * own entry point: files land beside the model, inspect --json describes
 * them, and user mistakes are one-line errors with exit code 1.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { main } from '../../harness/cli.ts';
import { saveLayersModel } from '../../models/model-io.ts';
import { tempDir } from '../helpers/tmp.ts';

/** Runs the CLI, capturing stdout and stderr. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => stdout.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => stderr.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

test('bench convert --model converts any layers model beside it, and bench inspect --json describes the files', async () => {
  const dir = await tempDir('convert-command');
  const input = tf.input({ shape: [16, 16, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  const modelJson = await saveLayersModel(tf.model({ inputs: input, outputs: x }), join(dir, 'small'));

  const converted = await cli(['convert', '--model', modelJson, '--variants', 'float32,float16', '--out', join(dir, 'out'), '--json']);
  assert.equal(converted.code, 0, converted.stderr);
  const result = JSON.parse(converted.stdout) as { files: { variant: string; path: string; bytes: number }[] };
  assert.deepEqual(result.files.map((file) => file.variant), ['float32', 'float16']);
  for (const file of result.files) assert.ok(existsSync(file.path) && file.path.startsWith(join(dir, 'small')), file.path);

  const inspected = await cli(['inspect', result.files[1]!.path, '--json']);
  assert.equal(inspected.code, 0, inspected.stderr);
  const summary = JSON.parse(inspected.stdout) as { inputs: { name: string; shape: number[] }[]; operators: Record<string, number>; weightBytes: Record<string, number> };
  assert.deepEqual(summary.inputs[0]!.shape, [1, 16, 16, 3]);
  assert.deepEqual(summary.operators, { DEQUANTIZE: 2, CONV_2D: 1, MEAN: 1, FULLY_CONNECTED: 1, SOFTMAX: 1 });
  assert.equal(summary.weightBytes.float16, 2 * (3 * 3 * 3 * 4 + 4 * 3), 'two bytes per kernel weight');

  const human = await cli(['inspect', result.files[0]!.path]);
  assert.match(human.stderr, /inputs:\n {2}image {2}float32 {2}\[1, 16, 16, 3\]/);
  assert.match(human.stderr, /signature serving_default: image → probabilities/);
});

test('bench convert and inspect turn user mistakes into one-line errors', async () => {
  const dir = await tempDir('convert-errors');
  const missing = await cli(['convert', '--model', join(dir, 'nope', 'model.json'), '--out', dir]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: model not found: .*nope\/model\.json\n$/);

  const notTflite = await cli(['inspect', join(process.cwd(), 'package.json')]);
  assert.equal(notTflite.code, 1);
  assert.match(notTflite.stderr, /not a \.tflite file/);

  const badVariant = await cli(['convert', '--variants', 'float64', '--out', dir]);
  assert.equal(badVariant.code, 1);
  assert.match(badVariant.stderr, /convert\.variants/);
});
