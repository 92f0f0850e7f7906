/**
 * The lowering table, without running anything: each supported layer (after a
 * small convolution) comes out as the TFLite ops docs/converter.md's supported-layer
 * table names, after the passes (batch norms folded, ReLUs fused, hard-swish
 * recognised).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { prepareModel } from '../../models/tflite/convert.ts';

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, input: T | T[]) => layer.apply(input) as T;

/** Ops of the prepared graph of input → conv(8) → layer(s). */
function opsAfterConv(layer: (x: T) => T): string[] {
  const input = tf.input({ shape: [8, 8, 3] });
  const x = apply(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }), input);
  const { graph } = prepareModel(tf.model({ inputs: input, outputs: layer(x) }));
  return graph.ops.map((op) => op.op).slice(1);
}

const cases: [string, (x: T) => T, string[]][] = [
  ['SeparableConv2D', (x) => apply(tf.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same' }), x), ['DEPTHWISE_CONV_2D', 'CONV_2D']],
  ['SeparableConv2D + BatchNormalization + ReLU (folded, fused)', (x) => apply(tf.layers.reLU({}), apply(tf.layers.batchNormalization({}), apply(tf.layers.separableConv2d({ filters: 4, kernelSize: 3 }), x))), ['DEPTHWISE_CONV_2D', 'CONV_2D']],
  ['Conv2DTranspose + BatchNormalization (folded) + relu', (x) => apply(tf.layers.activation({ activation: 'relu' }), apply(tf.layers.batchNormalization({}), apply(tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }), x))), ['TRANSPOSE_CONV', 'RELU']],
  ['DepthwiseConv2D', (x) => apply(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }), x), ['DEPTHWISE_CONV_2D']],
  ['Multiply by a [N, C] gate (expanded at axis 1)', (x) => apply(tf.layers.multiply({}), [x, apply(tf.layers.dense({ units: 8 }), apply(tf.layers.globalAveragePooling2d({}), x))]), ['MEAN', 'FULLY_CONNECTED', 'RESHAPE', 'MUL']],
  ['Add of a [N, 1, 1, C] tensor', (x) => apply(tf.layers.add({}), [x, apply(tf.layers.reshape({ targetShape: [1, 1, 8] }), apply(tf.layers.globalMaxPooling2d({}), x))]), ['REDUCE_MAX', 'RESHAPE', 'ADD']],
  ['hard-swish spelt x · relu6(x + 3) / 6', (x) => apply(tf.layers.multiply({}), [x, apply(tf.layers.rescaling({ scale: 1 / 6, offset: 0 }), apply(tf.layers.reLU({ maxValue: 6 }), apply(tf.layers.rescaling({ scale: 1, offset: 3 }), x)))]), ['HARD_SWISH']],
  // The + 3 folds into the convolution's bias and the ReLU6 fuses into it: only the 1/6 is left.
  ['hard-sigmoid spelt relu6(x + 3) / 6', (x) => apply(tf.layers.rescaling({ scale: 1 / 6, offset: 0 }), apply(tf.layers.reLU({ maxValue: 6 }), apply(tf.layers.rescaling({ scale: 1, offset: 3 }), x))), ['MUL']],
  ['ReLU with max 2.5', (x) => apply(tf.layers.reLU({ maxValue: 2.5 }), x), ['MINIMUM']],
  ['LeakyReLU', (x) => apply(tf.layers.leakyReLU({ alpha: 0.1 }), x), ['LEAKY_RELU']],
  ['PReLU', (x) => apply(tf.layers.prelu({ sharedAxes: [1, 2] }), x), ['PRELU']],
  ['ELU', (x) => apply(tf.layers.elu({}), x), ['ELU']],
  ['Softmax (last axis)', (x) => apply(tf.layers.softmax({ axis: -1 }), x), ['SOFTMAX']],
  ['UpSampling2D nearest', (x) => apply(tf.layers.upSampling2d({ size: [2, 2] }), x), ['RESIZE_NEAREST_NEIGHBOR']],
  ['UpSampling2D bilinear', (x) => apply(tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }), x), ['RESIZE_BILINEAR']],
  ['Cropping2D', (x) => apply(tf.layers.cropping2D({ cropping: [[1, 0], [0, 2]] }), x), ['SLICE']],
  ['Permute', (x) => apply(tf.layers.permute({ dims: [3, 1, 2] }), x), ['TRANSPOSE']],
  ['Maximum', (x) => apply(tf.layers.maximum({}), [x, apply(tf.layers.conv2d({ filters: 8, kernelSize: 1 }), x)]), ['CONV_2D', 'MAXIMUM']],
  ['Minimum', (x) => apply(tf.layers.minimum({}), [x, apply(tf.layers.conv2d({ filters: 8, kernelSize: 1 }), x)]), ['CONV_2D', 'MINIMUM']],
  ['Average', (x) => apply(tf.layers.average({}), [x, apply(tf.layers.conv2d({ filters: 8, kernelSize: 1 }), x)]), ['CONV_2D', 'ADD', 'MUL']],
  ['Reshape with -1', (x) => apply(tf.layers.reshape({ targetShape: [-1, 16, 4] }), x), ['RESHAPE']],
  ['Dense on a 4-D tensor', (x) => apply(tf.layers.dense({ units: 3 }), x), ['FULLY_CONNECTED']],
];

const activations: [string, string[]][] = [
  ['relu', []],
  ['relu6', []],
  ['sigmoid', ['LOGISTIC']],
  ['tanh', ['TANH']],
  ['softmax', ['SOFTMAX']],
  ['logSoftmax', ['LOG_SOFTMAX']],
  ['elu', ['ELU']],
  ['selu', ['ELU', 'MUL', 'LEAKY_RELU']],
  ['softplus', ['ABS', 'NEG', 'EXP', 'ADD', 'LOG', 'RELU', 'ADD']],
  ['softsign', ['ABS', 'ADD', 'DIV']],
  ['swish', ['LOGISTIC', 'MUL']],
  ['mish', ['ABS', 'NEG', 'EXP', 'ADD', 'LOG', 'RELU', 'ADD', 'TANH', 'MUL']],
  ['hardSigmoid', ['MUL', 'MUL', 'ADD']],
  ['gelu', ['GELU']],
  ['gelu_new', ['GELU']],
];

test('each supported layer lowers to the ops of the supported-layer table', async (t) => {
  for (const [name, layer, ops] of cases) await t.test(name, () => assert.deepEqual(opsAfterConv(layer), ops));
});

test('each TF.js activation lowers to its ops (relu and relu6 fuse into the convolution)', async (t) => {
  for (const [name, ops] of activations) {
    await t.test(name, () => assert.deepEqual(opsAfterConv((x) => apply(tf.layers.activation({ activation: name as 'relu' }), x)), ops));
  }
  await t.test('as a Conv2D activation', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const { graph } = prepareModel(tf.model({ inputs: input, outputs: apply(tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu6' }), input) }));
    assert.deepEqual(graph.ops.map((op) => [op.op, 'activation' in op.options ? op.options.activation : undefined]), [['CONV_2D', 'RELU6']]);
  });
});

test('gelu is exact (erf), gelu_new the tanh approximation', () => {
  const input = tf.input({ shape: [4] });
  for (const [name, approximate] of [['gelu', false], ['gelu_new', true]] as const) {
    const { graph } = prepareModel(tf.model({ inputs: input, outputs: apply(tf.layers.activation({ activation: name as 'relu' }), input) }));
    const options = graph.ops[0]!.options;
    assert.equal(options.kind === 'gelu' ? options.approximate : false, approximate, name);
  }
});

test('a Conv2DTranspose makes the batch static (its output shape is a batch-1 constant)', () => {
  const input = tf.input({ shape: [4, 4, 3] });
  const output = apply(tf.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'valid' }), input);
  const { graph } = prepareModel(tf.model({ inputs: input, outputs: output }));
  const transpose = graph.ops.find((op) => op.op === 'TRANSPOSE_CONV')!;
  // TF.js deconvLength for 'valid': 4·2 + max(3 − 2, 0) = 9.
  assert.deepEqual(Array.from(graph.tensors[transpose.inputs[0]!]!.data as Int32Array), [1, 9, 9, 2]);
  assert.ok(graph.tensors.every((tensor) => !tensor.batched));
});
