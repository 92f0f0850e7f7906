/**
 * FLOPs from the converter's IR: tiny layers against counts worked out by
 * hand, and both embedded backbones against their published multiply-add
 * counts (MobileNetV2 1.0 at 224 px: 300 M, Sandler et al. 2018, table 3;
 * InceptionV3 at 299 px: 5.72 G, Szegedy et al. 2016 / keras.io's table).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { modelFlops, modelFlopsOf } from '../../models/tflite/flops.ts';
import { prepareModel } from '../../models/tflite/convert.ts';
import { toFloat16 } from '../../models/tflite/quantize.ts';
import { CATALOG, loadBackbone } from '../../models/zoo.ts';

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, input: T | T[]) => layer.apply(input) as T;

test('a 3×3 conv, a depthwise conv, a pool and a dense layer count as worked out by hand', () => {
  const input = tf.input({ shape: [8, 8, 3] });
  // 8×8×4 outputs × 3×3×3 multiply-adds each = 6912 MACs; bias and relu not counted.
  let x = apply(tf.layers.conv2d({ name: 'c', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), input);
  // 8×8×4 outputs × 3×3 = 2304 MACs.
  x = apply(tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same' }), x);
  // 4×4×4 outputs × a 2×2 window = 256 FLOPs.
  x = apply(tf.layers.maxPooling2d({ name: 'pool', poolSize: 2 }), x);
  x = apply(tf.layers.flatten({ name: 'flat' }), x);
  // 64 inputs × 10 units = 640 MACs; softmax 10 FLOPs.
  x = apply(tf.layers.dense({ name: 'fc', units: 10, activation: 'softmax' }), x);
  const cost = modelFlopsOf(tf.model({ inputs: input, outputs: x }));
  const byLayer = Object.fromEntries(cost.layers.map((row) => [row.layer, row]));
  assert.equal(byLayer.c!.macs, 6912);
  assert.equal(byLayer.c!.flops, 13824);
  assert.equal(byLayer.c!.kind, 'conv');
  assert.equal(byLayer.c!.weightBytes, (3 * 3 * 3 * 4 + 4) * 4);
  assert.equal(byLayer.dw!.flops, 2 * 2304);
  assert.equal(byLayer.dw!.kind, 'depthwise');
  assert.equal(byLayer.pool!.flops, 256);
  assert.equal(byLayer.pool!.kind, 'pool');
  assert.equal(byLayer.flat!.flops, 0);
  assert.equal(byLayer.fc!.macs, 640);
  assert.deepEqual(byLayer.fc!.ops, ['FULLY_CONNECTED', 'SOFTMAX']);
  assert.equal(byLayer.fc!.flops, 1280 + 10);
  assert.equal(byLayer.fc!.kind, 'dense');
  assert.equal(cost.macs, 6912 + 2304 + 640);
  assert.equal(cost.flops, 2 * (6912 + 2304 + 640) + 256 + 10);
  // Traffic: the conv reads 8×8×3 and writes 8×8×4 float32 values besides its weights.
  assert.equal(byLayer.c!.bytes, byLayer.c!.weightBytes + (8 * 8 * 3 + 8 * 8 * 4) * 4);
});

test('float16 halves the weight bytes and keeps the FLOPs', () => {
  const input = tf.input({ shape: [8, 8, 3] });
  const output = apply(tf.layers.conv2d({ name: 'c', filters: 4, kernelSize: 3 }), input);
  const { graph } = prepareModel(tf.model({ inputs: input, outputs: output }));
  const float32 = modelFlops(graph);
  const float16 = modelFlops(toFloat16(graph));
  assert.equal(float16.macs, float32.macs);
  // The filter halves (108 values × 2 bytes); the bias stays float32.
  assert.equal(float16.weightBytes, 108 * 2 + 4 * 4);
});

for (const [id, published] of [['mobilenet_v2', 300e6], ['inception_v3', 5.72e9]] as const) {
  test(`${id}: multiply-adds within 5% of the published ${published / 1e9} G`, async () => {
    const backbone = await loadBackbone(CATALOG.find((spec) => spec.id === id)!);
    const cost = modelFlopsOf(backbone.features);
    backbone.features.dispose();
    assert.ok(Math.abs(cost.macs / published - 1) < 0.05, `${id}: ${(cost.macs / 1e9).toFixed(3)} G multiply-adds`);
    assert.equal(cost.flops > 2 * cost.macs, true);
  });
}
