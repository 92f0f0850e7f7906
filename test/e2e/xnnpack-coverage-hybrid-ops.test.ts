/**
 * What tflite-node's XNNPACK path really takes, read from the real runtime:
 * a float32, a float16 (DEQUANTIZE of its weights included) and a full
 * int8 file (its classifier too: a per-tensor bias, the softmax in float)
 * are wholly delegated; an int8-dynamic file's hybrid ops (int8 weights,
 * float activations) are left to TFLite's own kernels and named.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { emitVariant, prepareModel } from '../../models/tflite/index.ts';
import { tfliteNodeCoverage } from '../../targets/node/tflite-coverage.ts';
import { tempDir } from '../helpers/tmp.ts';

type T = tf.SymbolicTensor;

test('float32, float16 and int8 fully on XNNPACK; int8-dynamic\'s hybrid ops named as left', async () => {
  const input = tf.input({ shape: [16, 16, 3] });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as T;
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(x) as T;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as T;
  x = tf.layers.dense({ units: 4, activation: 'softmax' }).apply(x) as T;
  const prepared = prepareModel(tf.model({ inputs: input, outputs: x }));
  const dir = await tempDir('coverage');
  const coverage: Record<string, Awaited<ReturnType<typeof tfliteNodeCoverage>>> = {};
  const calibration = Float32Array.from({ length: 4 * 16 * 16 * 3 }, (_, index) => ((index * 2654435761) % 1000) / 1000);
  for (const variant of ['float32', 'float16', 'int8-dynamic', 'int8'] as const) {
    const file = join(dir, `${variant}.tflite`);
    await writeFile(file, await emitVariant(prepared, { variant, ...(variant === 'int8' ? { calibration } : {}) }));
    coverage[variant] = await tfliteNodeCoverage(file);
  }
  assert.equal(coverage.float32!.accelerated, coverage.float32!.total);
  assert.deepEqual(coverage.float32!.left, {});
  assert.equal(coverage.float16!.accelerated, coverage.float16!.total);
  assert.ok(coverage.float16!.total > coverage.float32!.total, 'float16 adds DEQUANTIZE ops, taken too');
  assert.deepEqual(coverage['int8-dynamic']!.left, { CONV_2D: 1, DEPTHWISE_CONV_2D: 1, FULLY_CONNECTED: 1 });
  assert.equal(coverage['int8-dynamic']!.accelerated, coverage['int8-dynamic']!.total - 3);
  assert.deepEqual(coverage.int8!.left, {}, 'the int8 FULLY_CONNECTED and the softmax are delegated too');
  assert.equal(coverage.int8!.accelerated, coverage.int8!.total);
  assert.equal(coverage.int8!.partitions, 1);
});
