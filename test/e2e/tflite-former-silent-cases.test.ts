/**
 * Regression tests for what the converter used to get silently wrong or crash
 * on (issue 16): a dilated DepthwiseConv2D (TF.js ignores the dilation, the
 * file did not), int8 Concatenate of a branch with a sigmoid output or with
 * the model input (the branch was squeezed into [0, 1]), and int8 Dense on a
 * 3-D/4-D tensor (calibration crashed with a TF.js stack naming no layer).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { convertLayersModel, UnsupportedLayerError } from '../../models/tflite/index.ts';
import { compareOutputs, predictTfjs, predictTflite, UNIT } from '../helpers/tflite-compare.ts';
import { zooImages } from '../helpers/tflite-zoo.ts';

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, input: T | T[]) => layer.apply(input) as T;
const SIZE = 16;
const calibration = () => Float32Array.from(zooImages(32, SIZE, 'calibration'), (pixel) => pixel / 255);

test('TF.js runs a DepthwiseConv2D with dilation 2 undilated, and the converter refuses it rather than write a file that dilates', async () => {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  const dilated = tf.layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, padding: 'same', name: 'dilated' });
  const plain = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' });
  const dilatedModel = tf.model({ inputs: input, outputs: apply(dilated, input) });
  const plainModel = tf.model({ inputs: input, outputs: apply(plain, input) });
  plain.setWeights(dilated.getWeights());
  const pixels = zooImages(2, SIZE, 'dilation');
  // The premise: TF.js 4.22 computes the same function with and without the dilation.
  assert.deepEqual(predictTfjs(dilatedModel, pixels, 2), predictTfjs(plainModel, pixels, 2));
  await assert.rejects(convertLayersModel(dilatedModel, { variant: 'float32' }), (error: unknown) => error instanceof UnsupportedLayerError && error.layer === 'dilated' && /ignored by TF\.js/.test(error.message));
});

/** input → [linear 1×1 conv, second branch] → Concatenate, as the model's output: int8 must keep the linear branch's range. */
async function concatenationError(secondBranch: (input: T) => T): Promise<{ linearMin: number; linearMax: number; maxDelta: number; scale: number }> {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  const linear = apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, kernelInitializer: tf.initializers.randomNormal({ stddev: 3, seed: 5 }), biasInitializer: tf.initializers.constant({ value: -1 }) }), input);
  const model = tf.model({ inputs: input, outputs: apply(tf.layers.concatenate({}), [linear, secondBranch(input)]) });
  const pixels = zooImages(16, SIZE, 'concatenation');
  const expected = predictTfjs(model, pixels, 16);
  const bytes = await convertLayersModel(model, { variant: 'int8', normalization: UNIT, calibration: calibration() });
  const actual = await predictTflite(bytes, pixels, 16);
  const channels = model.outputs[0]!.shape[3]!;
  let linearMin = Infinity;
  let linearMax = -Infinity;
  for (let i = 0; i < expected.length; i++) {
    if (i % channels >= 4) continue;
    linearMin = Math.min(linearMin, expected[i]!);
    linearMax = Math.max(linearMax, expected[i]!);
  }
  return { linearMin, linearMax, maxDelta: compareOutputs(expected, actual, channels).maxDelta, scale: (linearMax - linearMin) / 255 };
}

test('int8 Concatenate of a linear branch with a sigmoid output keeps the branch within a few quantization steps', async () => {
  const result = await concatenationError((input) => apply(tf.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.randomNormal({ stddev: 2, seed: 6 }) }), input));
  // The branch goes well outside the sigmoid's [0, 1]: squeezing it into [0, 1] would be off by more than 1.
  assert.ok(result.linearMin < -2 && result.linearMax > 2, JSON.stringify(result));
  assert.ok(result.maxDelta <= 4 * result.scale, JSON.stringify(result));
});

test('int8 Concatenate of a linear branch with the model input keeps the branch within a few quantization steps', async () => {
  const result = await concatenationError((input) => input);
  assert.ok(result.linearMin < -2 && result.linearMax > 2, JSON.stringify(result));
  assert.ok(result.maxDelta <= 4 * result.scale, JSON.stringify(result));
});

test('int8 Dense on 3-D and 4-D tensors converts and agrees with TF.js', async (t) => {
  for (const rank of [3, 4]) {
    await t.test(`rank ${rank}`, async () => {
      const input = tf.input({ shape: [SIZE, SIZE, 3] });
      let x = apply(tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 10 + rank }) }), input);
      if (rank === 3) x = apply(tf.layers.reshape({ targetShape: [14 * 14, 6] }), x);
      x = apply(tf.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ stddev: 2, seed: rank }) }), x);
      const model = tf.model({ inputs: input, outputs: x });
      const pixels = zooImages(8, SIZE, 'dense');
      const bytes = await convertLayersModel(model, { variant: 'int8', normalization: UNIT, calibration: calibration() });
      const { maxDelta, agreement } = compareOutputs(predictTfjs(model, pixels, 8), await predictTflite(bytes, pixels, 8), 5);
      t.diagnostic(`rank ${rank}: agreement ${agreement}, max |Δ| ${maxDelta.toExponential(1)}`);
      // Top-1 along the last axis: one softmax per position (196 per image).
      assert.ok(agreement >= 0.95, `agreement ${agreement}, max |Δ| ${maxDelta}`);
    });
  }
});
