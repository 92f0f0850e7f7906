/**
 * Bias correction: for each weighted op, the correction the calibration
 * computes from per-tap input sums equals the mean, over the images and output
 * positions, of the error the int8 filter adds (computed here by running the
 * op's error convolution with TF.js, an independent route), per output
 * channel: strided and padded convolutions, a dilated one, a depthwise
 * convolution with a multiplier, a fully connected layer on a 4-D tensor, a
 * transposed convolution; and the same corrections whether the images come in
 * one batch or one by one (the native calibration's way).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { BiasCorrector } from '../../models/tflite/bias-correction.ts';
import { calibrate } from '../../models/tflite/int8-calibration.ts';
import { prepareModel } from '../../models/tflite/convert.ts';
import type { IrGraph, IrOp } from '../../models/tflite/graph.ts';
import { WEIGHTED_INPUTS } from '../../models/tflite/kernels.ts';
import { quantizedFilter } from '../../models/tflite/quantize.ts';

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, input: T) => layer.apply(input) as T;
const seeded = (seed: number) => tf.initializers.randomNormal({ stddev: 0.7, seed });

/** Mean over batch and positions of op(x, int8 filter − float filter), straight from TF.js. */
function meanError(graph: IrGraph, op: IrOp, x: tf.Tensor): Float32Array {
  const filter = graph.tensors[op.inputs[WEIGHTED_INPUTS[op.op]!.filter]!]!;
  const { data, scale, channelOf } = quantizedFilter(op, filter);
  const delta = tf.tensor(Float32Array.from(data, (q, i) => q * scale[channelOf(i)]! - (filter.data as Float32Array)[i]!), filter.shape);
  return tf.tidy(() => {
    const o = op.options;
    let error: tf.Tensor;
    if (o.kind === 'conv') error = tf.conv2d(x as tf.Tensor4D, tf.transpose(delta, [1, 2, 3, 0]) as tf.Tensor4D, [o.strideH, o.strideW], o.padding === 'SAME' ? 'same' : 'valid', 'NHWC', [o.dilationH, o.dilationW]);
    else if (o.kind === 'depthwise') {
      const [, kh, kw, channels] = filter.shape as [number, number, number, number];
      error = tf.depthwiseConv2d(x as tf.Tensor4D, tf.reshape(delta, [kh, kw, channels / o.depthMultiplier, o.depthMultiplier]) as tf.Tensor4D, [o.strideH, o.strideW], o.padding === 'SAME' ? 'same' : 'valid');
    } else if (o.kind === 'transposeConv') {
      const shape = Array.from(graph.tensors[op.inputs[0]!]!.data as Int32Array);
      error = tf.conv2dTranspose(x as tf.Tensor4D, tf.transpose(delta, [1, 2, 0, 3]) as tf.Tensor4D, [x.shape[0]!, shape[1]!, shape[2]!, shape[3]!], [o.strideH, o.strideW], o.padding === 'SAME' ? 'same' : 'valid');
    } else error = tf.matMul(tf.reshape(x, [-1, x.shape.at(-1)!]), delta as tf.Tensor2D, false, true);
    return tf.mean(error, Array.from({ length: error.rank - 1 }, (_, axis) => axis));
  }).dataSync() as Float32Array;
}

const cases: [string, (x: T) => T][] = [
  ['Conv2D 3×3, stride 2, same padding', (x) => apply(tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: seeded(1) }), x)],
  ['Conv2D 2×3, valid padding', (x) => apply(tf.layers.conv2d({ filters: 4, kernelSize: [2, 3], padding: 'valid', kernelInitializer: seeded(2) }), x)],
  ['Conv2D 3×3, dilation 2', (x) => apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', kernelInitializer: seeded(3) }), x)],
  ['DepthwiseConv2D 3×3, multiplier 2, stride 2', (x) => apply(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', depthwiseInitializer: seeded(4) }), x)],
  ['Dense on a 4-D tensor', (x) => apply(tf.layers.dense({ units: 3, kernelInitializer: seeded(5) }), x)],
  ['Conv2DTranspose 3×3, stride 2', (x) => apply(tf.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: seeded(6) }), x)],
];

test('the bias correction of each weighted op is the mean error of its int8 filter', async (t) => {
  for (const [name, layer] of cases) {
    await t.test(name, async () => {
      const input = tf.input({ shape: [8, 9, 3] });
      const { graph } = prepareModel(tf.model({ inputs: input, outputs: layer(input) }));
      const op = graph.ops.find((candidate) => WEIGHTED_INPUTS[candidate.op])!;
      const images = tf.randomUniform([6, 8, 9, 3], 0, 1, 'float32', 7);
      const { biasCorrection } = await calibrate(graph, { images: images.dataSync() as Float32Array, count: 6, batchSize: 4 });
      const expected = meanError(graph, op, images);
      const actual = biasCorrection.get(op.inputs[WEIGHTED_INPUTS[op.op]!.bias]!)!;
      assert.equal(actual.length, expected.length);
      assert.ok(expected.some((value) => Math.abs(value) > 1e-4), 'the int8 filter does shift the mean');
      for (let c = 0; c < expected.length; c++) assert.ok(Math.abs(actual[c]! - expected[c]!) <= 1e-6 + 1e-4 * Math.abs(expected[c]!), `channel ${c}: ${actual[c]} vs ${expected[c]}`);
      images.dispose();
    });
  }
});

test('observed image by image (as the native calibration reads them), each correction is the one a single batch gives', async (t) => {
  for (const [name, layer] of cases) {
    await t.test(name, () => {
      const input = tf.input({ shape: [8, 9, 3] });
      const { graph } = prepareModel(tf.model({ inputs: input, outputs: layer(input) }));
      const op = graph.ops.find((candidate) => WEIGHTED_INPUTS[candidate.op])!;
      const read = op.inputs[WEIGHTED_INPUTS[op.op]!.input]!;
      const images = tf.randomUniform([6, 8, 9, 3], 0, 1, 'float32', 8);
      const values = images.dataSync() as Float32Array;
      const batched = new BiasCorrector(graph);
      batched.observe(read, images);
      const single = new BiasCorrector(graph);
      const perImage = values.length / 6;
      for (let image = 0; image < 6; image += 1) single.observeValues(read, values.subarray(image * perImage, (image + 1) * perImage), [1, 8, 9, 3]);
      const bias = op.inputs[WEIGHTED_INPUTS[op.op]!.bias]!;
      const expected = batched.result().get(bias)!;
      const actual = single.result().get(bias)!;
      assert.ok(expected.some((value) => Math.abs(value) > 1e-4), 'the int8 filter does shift the mean');
      for (let c = 0; c < expected.length; c++) assert.ok(Math.abs(actual[c]! - expected[c]!) <= 1e-6 * Math.abs(expected[c]!), `channel ${c}: ${actual[c]} vs ${expected[c]}`);
      images.dispose();
    });
  }
});
