/**
 * GraphDef node lowerings on small hand-built graphs: the optimised IR, run
 * with the converter's own TF.js evaluation of it, computes what the same
 * TF.js ops compute, with batch normalisation folded into the convolution,
 * activations fused, hard-swish recognised; refusals name the node, its op
 * and where it is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { evaluateGraph } from '../../models/tflite/int8-calibration.ts';
import type { Constant, GraphDef, GraphNode } from '../../models/tflite/graph-def.ts';
import { lowerGraphDef, UnsupportedNodeError } from '../../models/tflite/lower-graph.ts';
import { optimize } from '../../models/tflite/passes.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const ints = (...values: number[]) => ({ list: { i: values.map(String) } });
const conv = { strides: ints(1, 1, 1, 1), dilations: ints(1, 1, 1, 1), padding: { s: b64('SAME') }, data_format: { s: b64('NHWC') } };

function values(length: number, seed: number): Float32Array {
  return Float32Array.from({ length }, (_, index) => Math.sin(index * 1.7 + seed) * 0.8);
}

/** A graph: input [-1, ...shape], the listed nodes, the constants; the last node is the output. */
function graphOf(shape: number[], nodes: [string, string, string[], Record<string, unknown>?][], constants: Record<string, Constant>): GraphDef {
  const input: GraphNode = { name: 'input', op: 'Placeholder', inputs: [], attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [-1, ...shape].map((size) => ({ size: String(size) })) } } } };
  const map = new Map<string, GraphNode>([['input', input]]);
  for (const name of Object.keys(constants)) map.set(name, { name, op: 'Const', inputs: [], attr: {} });
  for (const [name, op, inputs, attr] of nodes) map.set(name, { name, op, inputs, attr: (attr ?? {}) as GraphNode['attr'] });
  return { nodes: map, constants: new Map(Object.entries(constants)), inputs: [input], outputs: [nodes.at(-1)![0]] };
}

function run(def: GraphDef, x: tf.Tensor): { ops: string[]; output: Float32Array } {
  const graph = optimize(lowerGraphDef(def, 'test').graph);
  const [output] = evaluateGraph(graph, x);
  const data = Float32Array.from(output!.dataSync());
  output!.dispose();
  return { ops: graph.ops.map((op) => op.op + ('activation' in op.options && op.options.activation !== 'NONE' ? `+${op.options.activation}` : '')), output: data };
}

function maxDelta(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((max, value, index) => Math.max(max, Math.abs(value - b[index]!)), 0);
}

test('Conv2D → FusedBatchNormV3 → Relu6 is one CONV_2D with RELU6 and computes what TF.js computes', () => {
  const filter = values(3 * 3 * 3 * 4, 1);
  const [scale, offset, mean, variance] = [values(4, 2), values(4, 3), values(4, 4), Float32Array.from(values(4, 5), (v) => v * v + 0.1)];
  const def = graphOf(
    [6, 6, 3],
    [
      ['conv', 'Conv2D', ['input', 'filter'], { ...conv, strides: ints(1, 2, 2, 1) }],
      ['bn', 'FusedBatchNormV3', ['conv', 'scale', 'offset', 'mean', 'variance'], { epsilon: { f: 0.001 }, data_format: { s: b64('NHWC') } }],
      ['relu', 'Relu6', ['bn']],
    ],
    { filter: { values: filter, shape: [3, 3, 3, 4] }, scale: { values: scale, shape: [4] }, offset: { values: offset, shape: [4] }, mean: { values: mean, shape: [4] }, variance: { values: variance, shape: [4] } },
  );
  const x = tf.randomUniform([2, 6, 6, 3], -1, 1, 'float32', 7);
  const { ops, output } = run(def, x);
  assert.deepEqual(ops, ['CONV_2D+RELU6']);
  const expected = tf.tidy(() => tf.relu6(tf.batchNorm(tf.conv2d(x as tf.Tensor4D, tf.tensor4d(filter, [3, 3, 3, 4]), 2, 'same'), mean, variance, offset, scale, 0.001)));
  assert.ok(maxDelta(output, expected.dataSync() as Float32Array) < 1e-5);
  tf.dispose([x, expected]);
});

test('x · relu6(x + 3) / 6 spelled with AddV2, Relu6, Mul and RealDiv becomes HARD_SWISH', () => {
  const def = graphOf(
    [4, 4, 2],
    [
      ['plus', 'AddV2', ['input', 'three']],
      ['clip', 'Relu6', ['plus']],
      ['times', 'Mul', ['input', 'clip']],
      ['swish', 'RealDiv', ['times', 'six']],
    ],
    { three: { values: Float32Array.of(3), shape: [] }, six: { values: Float32Array.of(6), shape: [] } },
  );
  const x = tf.randomUniform([1, 4, 4, 2], -5, 5, 'float32', 3);
  const { ops, output } = run(def, x);
  assert.deepEqual(ops, ['HARD_SWISH']);
  const expected = tf.tidy(() => tf.div(tf.mul(x, tf.relu6(tf.add(x, 3))), 6));
  assert.ok(maxDelta(output, expected.dataSync() as Float32Array) < 1e-5);
  tf.dispose([x, expected]);
});

test('Sub and Mul by constants, Mean, Reshape(-1), MatMul (transpose_b) + BiasAdd, Softmax: what TF.js computes', () => {
  const weights = values(5 * 3, 9);
  const bias = values(5, 10);
  const perChannel = values(3, 11);
  const def = graphOf(
    [4, 4, 3],
    [
      ['shift', 'Sub', ['input', 'half']],
      ['scaled', 'Mul', ['per_channel', 'shift']],
      ['pooled', 'Mean', ['scaled', 'axes'], { keep_dims: { b: true } }],
      ['flat', 'Reshape', ['pooled', 'flat_shape']],
      ['logits', 'MatMul', ['flat', 'weights'], { transpose_b: { b: true } }],
      ['biased', 'BiasAdd', ['logits', 'bias']],
      ['probabilities', 'Softmax', ['biased']],
    ],
    {
      half: { values: Float32Array.of(0.5), shape: [] },
      per_channel: { values: perChannel, shape: [3] },
      axes: { values: Int32Array.of(1, 2), shape: [2] },
      flat_shape: { values: Int32Array.of(-1, 3), shape: [2] },
      weights: { values: weights, shape: [5, 3] },
      bias: { values: bias, shape: [5] },
    },
  );
  const x = tf.randomUniform([3, 4, 4, 3], 0, 1, 'float32', 5);
  const { ops, output } = run(def, x);
  // The subtraction is an ADD of −0.5; the BiasAdd folds into the FULLY_CONNECTED.
  assert.deepEqual(ops, ['ADD', 'MUL', 'MEAN', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX']);
  const expected = tf.tidy(() => {
    const pooled = tf.mean(tf.mul(tf.sub(x, 0.5), tf.tensor1d(perChannel)), [1, 2]);
    return tf.softmax(tf.add(tf.matMul(pooled as tf.Tensor2D, tf.tensor2d(weights, [5, 3]), false, true), tf.tensor1d(bias)));
  });
  assert.ok(maxDelta(output, expected.dataSync() as Float32Array) < 1e-6);
  tf.dispose([x, expected]);
});

test('a refused node names itself, its op and its chain of ops from the input', () => {
  const def = graphOf(
    [4, 4, 3],
    [
      ['relu', 'Relu', ['input']],
      ['shape', 'Shape', ['relu']],
      ['flat', 'Reshape', ['relu', 'shape']],
    ],
    {},
  );
  assert.throws(
    () => lowerGraphDef(def, 'test'),
    (error: unknown) =>
      error instanceof UnsupportedNodeError && error.message === 'cannot convert node "shape" (Shape) (2 ops from input "input": input → Relu → here): this op has no TFLite lowering in the converter' + error.message.slice(error.message.indexOf(' (supported')),
  );
  const fused = graphOf([4, 4, 3], [['conv', '_FusedConv2D', ['input', 'filter', 'a', 'b', 'c', 'd'], { ...conv, fused_ops: { list: { s: [b64('FusedBatchNorm')] } }, num_args: { i: '4' } }]], {
    filter: { values: values(3 * 3 * 3 * 2, 1), shape: [3, 3, 3, 2] },
    ...Object.fromEntries(['a', 'b', 'c', 'd'].map((name) => [name, { values: values(2, 2), shape: [2] }])),
  });
  assert.throws(() => lowerGraphDef(fused, 'test'), /cannot convert node "conv" \(_FusedConv2D\) \(1 op from input "input": input → here\): a convolution fused with FusedBatchNorm, which TF\.js 4\.22 itself refuses/);
});
