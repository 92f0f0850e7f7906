/**
 * tf.profile around one inference, on TF.js's cpu backend: every kernel is
 * attributed to the layer whose call ran it (in the model's order, nested
 * models included), rows carry the layer's FLOPs, the parts add up to the
 * kernel total, and the layers are left as they were.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { profileTfjs } from '../../targets/kernel/tfjs-profile.ts';
import { modelFlopsOf } from '../../models/tflite/flops.ts';

type T = tf.SymbolicTensor;

test('kernels land on the layers that ran them, with FLOPs, summing to the total', async () => {
  await tf.setBackend('cpu');
  const inner = tf.sequential({ name: 'head', layers: [tf.layers.dense({ name: 'fc', units: 3, inputShape: [4], activation: 'softmax' })] });
  const input = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers.conv2d({ name: 'conv', filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as T;
  x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as T;
  x = tf.layers.reLU({ name: 'relu' }).apply(x) as T;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as T;
  const model = tf.model({ inputs: input, outputs: inner.apply(x) as T });
  const cost = modelFlopsOf(model);
  const flops = new Map(cost.layers.map((row) => [row.layer, row]));
  const image = tf.randomUniform([1, 8, 8, 3]);

  const profile = await profileTfjs(tf, model, async () => {
    const output = model.predict(image) as tf.Tensor;
    await output.data();
    output.dispose();
  }, flops);

  assert.equal(profile.attribution, 'layers');
  assert.equal(profile.timed, true);
  const names = profile.rows.map((row) => row.name);
  assert.deepEqual(names.filter((name) => !name.startsWith('(')), ['conv', 'bn', 'relu', 'pool', 'fc']);
  const byName = Object.fromEntries(profile.rows.map((row) => [row.name, row]));
  assert.equal(byName.conv!.kind, 'conv');
  assert.equal(byName.fc!.kind, 'dense');
  assert.equal(byName.pool!.kind, 'pool');
  assert.equal(byName.relu!.kind, 'activation');
  assert.equal(byName.conv!.flops, 2 * 8 * 8 * 4 * 27);
  for (const row of profile.rows) assert.ok(row.count > 0 && row.ms !== null && row.ms >= 0, `${row.name}: ${row.count} kernels, ${row.ms} ms`);
  const rowsSum = profile.rows.reduce((total, row) => total + row.ms!, 0);
  assert.ok(Math.abs(rowsSum - profile.sumMs!) < 1e-9);
  assert.equal(profile.rows.reduce((total, row) => total + row.count, 0), profile.kernels);
  // The wall time is a median over the repeats, the sum one of per-row medians: only its sign is certain.
  assert.ok(profile.wallMs > 0);
  // The wrappers are gone: a layer's call is its class's again.
  for (const layer of [...model.layers, ...inner.layers]) assert.equal(Object.prototype.hasOwnProperty.call(layer, 'call'), false, layer.name);
  image.dispose();
});
