/**
 * One small model per remaining layer of the supported-layer table (every TF.js
 * activation, ReLU with a max, LeakyReLU, PReLU, ELU, Softmax, dilated Conv2D and
 * SeparableConv2D, depth multipliers, Conv2DTranspose, UpSampling2D both ways,
 * Cropping2D, Permute, Maximum/Minimum/Average, broadcasting Multiply/Add,
 * Reshape variants, Dense on 3-D/4-D tensors, Concatenate with a sigmoid or the
 * input), each in all four variants on tfjs-tflite-node against TF.js, with
 * the same bars as the networks. In int8 files, exactly the ops without an int8
 * kernel in TFLite 2.9 run in float, and `bench inspect` names them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { convertLayersModel, inspectTflite } from '../../models/tflite/index.ts';
import { compareOutputs, convertAndCompare, describe, failedBars, predictTfjs, predictTflite, UNIT } from '../helpers/tflite-compare.ts';
import { CONCATENATE_WITH_INPUT, LAYERS, zooImages } from '../helpers/tflite-zoo.ts';

const IMAGES = 24;

/** The float-fallback ops expected in each model's int8 file (composed activations with EXP, LOG or DIV). */
const FLOAT_FALLBACK: Record<string, Record<string, number>> = {
  activation_softplus: { ABS: 1, NEG: 1, EXP: 1, ADD: 2, LOG: 1, RELU: 1 },
  activation_softsign: { ABS: 1, ADD: 1, DIV: 1 },
  activation_mish: { ABS: 1, NEG: 1, EXP: 1, ADD: 2, LOG: 1, RELU: 1, TANH: 1, MUL: 1 },
};

test('one model per layer: every variant agrees with TF.js', async (t) => {
  for (const entry of [...LAYERS, CONCATENATE_WITH_INPUT]) {
    await t.test(entry.name, async (s) => {
      const model = entry.build();
      const size = model.inputs[0]!.shape[1]!;
      const calibration = Float32Array.from(zooImages(32, size, 'calibration'), (pixel) => pixel / 255);
      const results = await convertAndCompare(model, zooImages(IMAGES, size, 'check'), IMAGES, calibration);
      s.diagnostic(describe(results));
      assert.deepEqual(failedBars(results), []);
      assert.deepEqual(inspectTflite(results.find((result) => result.variant === 'int8')!.bytes).floatFallback, FLOAT_FALLBACK[entry.name]);
      model.dispose();
    });
  }
});

test('a model with a Conv2DTranspose runs in batches of 4 as in four single runs (its output shape set by withBatchSize)', async () => {
  const model = LAYERS.find((entry) => entry.name === 'conv_transpose_same')!.build();
  const pixels = zooImages(8, 16, 'batch');
  const results = await convertAndCompare(model, pixels, 8, Float32Array.from(zooImages(16, 16, 'calibration'), (pixel) => pixel / 255));
  for (const { variant, bytes } of results) {
    const { maxDelta } = compareOutputs(await predictTflite(bytes, pixels, 8, 1), await predictTflite(bytes, pixels, 8, 4), 5);
    assert.ok(maxDelta <= 1e-6, `${variant}: batch 4 differs from single runs by ${maxDelta}`);
  }
  model.dispose();
});

test('int8 with uint8 input and output, when the first and the last ops run in float (softsign), agrees with TF.js', async () => {
  const input = tf.input({ shape: [16, 16, 3] });
  let x = tf.layers.activation({ activation: 'softsign' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 3 }) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 4, activation: 'softsign', kernelInitializer: tf.initializers.heNormal({ seed: 4 }) }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x });
  const pixels = zooImages(16, 16, 'uint8');
  const bytes = await convertLayersModel(model, { variant: 'int8', io: 'uint8', normalization: UNIT, calibration: Float32Array.from(zooImages(32, 16, 'calibration'), (pixel) => pixel / 255) });
  const summary = inspectTflite(bytes);
  assert.equal(summary.inputs[0]!.type, 'uint8');
  assert.equal(summary.outputs[0]!.type, 'uint8');
  assert.deepEqual(summary.floatFallback, { ABS: 2, ADD: 2, DIV: 2 });
  const { agreement, maxDelta } = compareOutputs(predictTfjs(model, pixels, 16), await predictTflite(bytes, pixels, 16), 4);
  assert.ok(agreement >= 0.9 && maxDelta <= 0.05, `agreement ${agreement}, max |Δ| ${maxDelta}`);
  model.dispose();
});
