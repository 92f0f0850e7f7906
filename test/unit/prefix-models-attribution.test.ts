/**
 * Prefix models on a tiny residual network: the cut points never fall inside
 * the residual block, each prefix file runs on tflite-node and outputs what
 * the TF.js model computes at that layer, the blocks' FLOPs add up to the
 * model's, float16 and int8-dynamic files are cut too (their weights'
 * DEQUANTIZE travels with the prefix that needs it), and block costs are the
 * differences of the prefix times.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { prepareModel } from '../../models/tflite/convert.ts';
import { modelFlops } from '../../models/tflite/flops.ts';
import { attributeBlocks, cutPoints, prefixModels } from '../../models/tflite/prefix.ts';
import { openTfliteSession } from '../../targets/node/tflite.ts';

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, input: T | T[]) => layer.apply(input) as T;

function residualModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  const a = apply(tf.layers.conv2d({ name: 'a', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), input);
  const b = apply(tf.layers.conv2d({ name: 'b', filters: 4, kernelSize: 3, padding: 'same' }), a);
  const sum = apply(tf.layers.add({ name: 'sum' }), [a, b]);
  const c = apply(tf.layers.depthwiseConv2d({ name: 'c', kernelSize: 3, padding: 'same' }), sum);
  const pool = apply(tf.layers.globalAveragePooling2d({ name: 'pool' }), c);
  return tf.model({ inputs: input, outputs: apply(tf.layers.dense({ name: 'fc', units: 3, activation: 'softmax' }), pool) });
}

test('cuts fall between blocks, never inside the residual one', () => {
  const { graph } = prepareModel(residualModel());
  assert.deepEqual(cutPoints(graph).map((point) => point.layer), ['a', 'sum', 'c', 'pool']);
});

test('each float32 prefix computes the TF.js model up to its layer; blocks add up to the model\'s FLOPs', async () => {
  const model = residualModel();
  const prepared = prepareModel(model);
  const { cuts, files, blocks } = await prefixModels(prepared, { variant: 'float32' }, { count: 10 });
  assert.deepEqual(cuts.map((cut) => cut.layer), ['a', 'sum', 'c', 'pool']);
  assert.equal(blocks.length, cuts.length + 1);
  assert.deepEqual(blocks.map((block) => block.name), ['a', 'b … sum', 'c', 'pool', 'fc']);
  assert.equal(blocks.reduce((total, block) => total + block.flops, 0), modelFlops(prepared.graph).flops);

  const pixels = Uint8Array.from({ length: 8 * 8 * 3 }, (_, index) => (index * 37) % 256);
  const image = tf.tensor4d(Float32Array.from(pixels), [1, 8, 8, 3]);
  for (const [index, cut] of cuts.entries()) {
    const expected = (tf.model({ inputs: model.inputs, outputs: model.getLayer(cut.layer).output as T }).predict(image) as tf.Tensor).dataSync();
    const session = await openTfliteSession({ bytes: files[index]!, normalization: { scale: 1, offset: 0 }, threads: 1, batchSize: 1 });
    const actual = await session.run(pixels, 1);
    await session.dispose();
    assert.equal(actual.length, expected.length, cut.layer);
    const worst = Math.max(...Array.from(actual, (value, at) => Math.abs(value - expected[at]!)));
    assert.ok(worst < 1e-4, `${cut.layer}: off by ${worst}`);
  }
  image.dispose();
});

test('float16 and int8-dynamic files are cut as well, and each prefix loads', async () => {
  const prepared = prepareModel(residualModel());
  for (const variant of ['float16', 'int8-dynamic'] as const) {
    const { files } = await prefixModels(prepared, { variant }, { after: ['sum'] });
    assert.equal(files.length, 1);
    const session = await openTfliteSession({ bytes: files[0]!, normalization: { scale: 1, offset: 0 }, threads: 1, batchSize: 1 });
    assert.equal((await session.run(new Uint8Array(8 * 8 * 3), 1)).length, 8 * 8 * 4, variant);
    await session.dispose();
  }
  await assert.rejects(() => prefixModels(prepared, { variant: 'float32' }, { after: ['b'] }), /cannot cut after layer "b"/);
});

test('block costs are the differences of the prefix times and add up to the full model\'s', () => {
  const blocks = ['x', 'y', 'z'].map((name) => ({ name, kind: 'other' as const, layers: [name], ops: 1, flops: 1, bytes: 1 }));
  const times = attributeBlocks(blocks, [2, 5], 9);
  assert.deepEqual(times.map((block) => block.ms), [2, 3, 4]);
  assert.equal(times.reduce((total, block) => total + block.ms, 0), 9);
});
