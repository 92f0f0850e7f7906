/**
 * What the converter refuses, each with one line naming the layer and why,
 * before any file exists: a DepthwiseConv2D with a dilation TF.js ignores, a
 * softmax TF.js cannot compute, a layer class without a lowering, and a
 * model.json naming a layer TF.js itself does not have.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../harness/core/errors.ts';
import { saveLayersModel } from '../../models/model-io.ts';
import { prepareModel } from '../../models/tflite/convert.ts';
import { loadModelToConvert } from '../../models/tflite/load.ts';
import { UnsupportedLayerError } from '../../models/tflite/lower.ts';
import { tempDir } from '../helpers/tmp.ts';

type T = tf.SymbolicTensor;

function modelWith(layer: tf.layers.Layer, shape = [16, 16, 3]): tf.LayersModel {
  const input = tf.input({ shape });
  return tf.model({ inputs: input, outputs: layer.apply(input) as T });
}

function assertRefused(model: tf.LayersModel, layer: string, className: string, reason: RegExp): void {
  assert.throws(
    () => prepareModel(model),
    (error: unknown) => {
      assert.ok(error instanceof UnsupportedLayerError, String(error));
      assert.equal(error.layer, layer);
      assert.equal(error.className, className);
      assert.match(error.message, reason);
      assert.ok(!error.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('a dilated DepthwiseConv2D is refused: TF.js 4.22 runs it undilated', async (t) => {
  for (const padding of ['same', 'valid'] as const) {
    await t.test(padding, () => {
      const model = modelWith(tf.layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, padding, name: `dilated_${padding}` }));
      assertRefused(model, `dilated_${padding}`, 'DepthwiseConv2D', /dilation rate \[2,2\] is ignored by TF\.js 4\.22 .*undilated/);
    });
  }
  await t.test('dilation 1 converts', () => assert.ok(prepareModel(modelWith(tf.layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 1 })))));
});

test('a softmax over an axis TF.js cannot compute is refused', () => {
  // TF.js's Softmax layer defaults to axis 1; tfjs-core's softmax throws for anything but the last axis.
  assertRefused(modelWith(tf.layers.softmax({ name: 'spatial_softmax' })), 'spatial_softmax', 'Softmax', /axis 1 of a rank-4 tensor; TF\.js itself computes softmax only over the last axis/);
});

test('a layer class without a lowering names the layer and lists what is supported', () => {
  assertRefused(modelWith(tf.layers.thresholdedReLU({ name: 'gate' })), 'gate', 'ThresholdedReLU', /not supported by the TFLite converter\. Supported: InputLayer, Conv2D, .*SeparableConv2D.*Conv2DTranspose/);
});

test('a model.json naming a layer TF.js does not have is one line naming it', async () => {
  const dir = await tempDir('unknown-layer');
  const input = tf.input({ shape: [4, 4, 3] });
  const a = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) as T;
  const b = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) as T;
  const path = await saveLayersModel(tf.model({ inputs: input, outputs: tf.layers.add({ name: 'difference' }).apply([a, b]) as T }), join(dir, 'subtract'));
  // As a model converted from Keras with a Subtract layer writes it.
  const json = JSON.parse(await readFile(path, 'utf8'));
  json.modelTopology.config.layers.find((layer: { name: string }) => layer.name === 'difference').class_name = 'Subtract';
  await writeFile(path, JSON.stringify(json));
  await assert.rejects(loadModelToConvert(path), (error: unknown) => {
    assert.ok(error instanceof UserError, String(error));
    assert.equal(error.code, 'MODEL_UNKNOWN_LAYER');
    assert.match(error.message, /uses the layer "Subtract" \(layer "difference"\), which TF\.js 4\.22\.0 does not implement/);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
});
