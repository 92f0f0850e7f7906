/**
 * TFLite Support metadata (the TFLITE_METADATA entry TF Hub's and Model
 * Maker's .tflite files carry) read into input size, normalisation and class
 * names; the labels come from the zip appended to the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { readSupportMetadata, SupportMetadataError } from '../../models/tflite-support-metadata.ts';
import { prepareModel } from '../../models/tflite/convert.ts';
import { assignVersions } from '../../models/tflite/versions.ts';
import { writeTflite } from '../../models/tflite/writer.ts';
import { tfliteWithSupportMetadata } from '../fixtures/tflite-support-metadata.ts';

function tinyModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3 }));
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  return model;
}

test('image size, normalisation and the packed label file are read', async () => {
  await tf.setBackend('cpu');
  const model = tinyModel();
  const file = tfliteWithSupportMetadata(model, { imageSize: 8, mean: [127.5], std: [127.5], labels: ['cat', 'dog', 'bird'] });
  model.dispose();
  assert.deepEqual(readSupportMetadata(file), { inputSize: 8, normalization: { scale: 1 / 127.5, offset: -1 }, classNames: ['cat', 'dog', 'bird'] });
});

test('the same value on every channel is one normalisation; different ones are refused, naming them', () => {
  const model = tinyModel();
  const same = tfliteWithSupportMetadata(model, { imageSize: 8, mean: [0, 0, 0], std: [255, 255, 255], labels: ['a', 'b', 'c'] });
  const perChannel = tfliteWithSupportMetadata(model, { imageSize: 8, mean: [123.7, 116.3, 103.5], std: [58.4, 57.1, 57.4], labels: ['a', 'b', 'c'] });
  model.dispose();
  assert.deepEqual(readSupportMetadata(same)?.normalization, { scale: 1 / 255, offset: 0 });
  assert.throws(() => readSupportMetadata(perChannel), (error: Error) => error instanceof SupportMetadataError && /per-channel normalisation mean \[123\.7/.test(error.message));
});

test('a file without TFLite Support metadata has none; a label file named but not packed is an error', () => {
  const model = tinyModel();
  const { graph } = prepareModel(model);
  assignVersions(graph);
  assert.equal(readSupportMetadata(writeTflite(graph)), undefined);
  const unpacked = tfliteWithSupportMetadata(model, { imageSize: 8, mean: [0], std: [1], labels: ['a', 'b', 'c'], packLabels: false });
  model.dispose();
  assert.throws(() => readSupportMetadata(unpacked), /label file labels\.txt, which is not packed/);
});
