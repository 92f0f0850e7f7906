/**
 * The converter on small layers models built here (random weights), judged by
 * the real runtime (tfjs-tflite-node) against the same model on TF.js `cpu`:
 * a MobileNet v1-style stack, branches and merges (residual Add, Inception-style
 * Concatenate with both poolings), every variant, batch > 1, unsupported layers,
 * and what `inspectTflite` reads back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { convertLayersModel, inspectTflite, toHalfBits, UnsupportedLayerError, type Variant } from '../../models/tflite/index.ts';
import { openTfliteSession } from '../../targets/node/tflite.ts';

const UNIT = { scale: 1 / 255, offset: 0 };
const SIZE = 32;

/** Deterministic pseudo-random bytes (a small LCG), so failures reproduce. */
function randomPixels(count: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(count * SIZE * SIZE * 3);
  let state = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** Batch-norm layers get random statistics, so that folding them is really tested. */
function randomizeBatchNorms(model: tf.LayersModel, seed: number): void {
  let n = seed;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const weights = layer.getWeights().map((weight, index) => {
      // TF.js suffixes repeated weight names (…/moving_variance_1) when a layer name is reused.
      const isVariance = /moving_variance(_\d+)?$/.test(layer.weights[index]!.name);
      const values = tf.randomUniform(weight.shape, isVariance ? 0.5 : -0.5, isVariance ? 2 : 0.5, 'float32', n++);
      return values;
    });
    layer.setWeights(weights);
  }
}

function mobilenetV1Style(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'conv1' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'conv1_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6, name: 'conv1_relu' }).apply(x) as tf.SymbolicTensor;
  for (const [index, [filters, stride]] of [
    [16, 1],
    [24, 2],
  ].entries()) {
    if (stride === 2) x = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: `pad_${index}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 2 ? 'valid' : 'same', useBias: false, name: `dw_${index}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `dw_${index}_bn` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6, name: `dw_${index}_relu` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ filters: filters!, kernelSize: 1, useBias: false, name: `pw_${index}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `pw_${index}_bn` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6, name: `pw_${index}_relu` }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.5 }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ stddev: 3, seed: 3 }), name: 'head' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  randomizeBatchNorms(model, 10);
  return model;
}

/** Residual Add (MobileNetV2) and an Inception block: parallel branches, max/average pooling, Concatenate, Flatten. */
function branchyModel(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  const stem = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'stem' }).apply(input) as tf.SymbolicTensor;
  let branch = tf.layers.conv2d({ filters: 8, kernelSize: 1, useBias: false, name: 'res_conv' }).apply(stem) as tf.SymbolicTensor;
  branch = tf.layers.batchNormalization({ scale: false, name: 'res_bn' }).apply(branch) as tf.SymbolicTensor;
  const added = tf.layers.add({ name: 'res_add' }).apply([stem, branch]) as tf.SymbolicTensor;
  const pooled = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'max_pool' }).apply(added) as tf.SymbolicTensor;
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'relu', name: 'branch_a' }).apply(pooled) as tf.SymbolicTensor;
  let b = tf.layers.conv2d({ filters: 6, kernelSize: [1, 3], padding: 'same', name: 'branch_b' }).apply(pooled) as tf.SymbolicTensor;
  b = tf.layers.activation({ activation: 'relu', name: 'branch_b_relu' }).apply(b) as tf.SymbolicTensor;
  let c = tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: 'avg_pool' }).apply(pooled) as tf.SymbolicTensor;
  c = tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'relu', name: 'branch_c' }).apply(c) as tf.SymbolicTensor;
  const mixed = tf.layers.concatenate({ axis: -1, name: 'mixed' }).apply([a, b, c]) as tf.SymbolicTensor;
  const small = tf.layers.averagePooling2d({ poolSize: 5, strides: 5, name: 'head_pool' }).apply(mixed) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flatten' }).apply(small) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ stddev: 1, seed: 4 }), name: 'head' }).apply(flat) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  randomizeBatchNorms(model, 20);
  return model;
}

function reference(model: tf.LayersModel, pixels: Uint8Array, count: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor4d(pixels, [count, SIZE, SIZE, 3], 'int32').toFloat().mul(UNIT.scale)) as tf.Tensor).dataSync() as Float32Array);
}

async function runTflite(bytes: Uint8Array, pixels: Uint8Array, count: number, batchSize = 1): Promise<Float32Array> {
  const session = await openTfliteSession({ bytes, normalization: UNIT, threads: 1, batchSize });
  const perImage = SIZE * SIZE * 3;
  const outputs: Float32Array[] = [];
  for (let start = 0; start < count; start += batchSize) outputs.push(await session.run(pixels.subarray(start * perImage, (start + batchSize) * perImage), batchSize));
  await session.dispose();
  const all = new Float32Array(outputs.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of outputs) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

function compare(expected: Float32Array, actual: Float32Array, classes: number): { maxDelta: number; agreement: number } {
  assert.equal(actual.length, expected.length);
  let maxDelta = 0;
  let agree = 0;
  const argmax = (values: Float32Array, row: number) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[row * classes + c]! > values[row * classes + best]!) best = c;
    return best;
  };
  for (let i = 0; i < expected.length; i++) maxDelta = Math.max(maxDelta, Math.abs(expected[i]! - actual[i]!));
  const rows = expected.length / classes;
  for (let row = 0; row < rows; row++) if (argmax(expected, row) === argmax(actual, row)) agree++;
  return { maxDelta, agreement: agree / rows };
}

test('a MobileNet v1-style model converts and agrees at float32', async () => {
  const model = mobilenetV1Style();
  const pixels = randomPixels(8, 1);
  const bytes = await convertLayersModel(model, { variant: 'float32', normalization: UNIT });
  const { maxDelta, agreement } = compare(reference(model, pixels, 8), await runTflite(bytes, pixels, 8), 5);
  assert.ok(maxDelta <= 1e-4, `max |Δp| ${maxDelta}`);
  assert.equal(agreement, 1);
  const summary = inspectTflite(bytes);
  // Batch norms folded and ReLU6 fused: only the compute ops are left.
  assert.deepEqual(summary.operators, { CONV_2D: 3, DEPTHWISE_CONV_2D: 2, PAD: 1, MEAN: 1, FULLY_CONNECTED: 1, SOFTMAX: 1 });
});

test('branches and merges (residual Add, Concatenate, max/average pooling, Flatten) agree at float32', async () => {
  const model = branchyModel();
  const pixels = randomPixels(6, 2);
  const bytes = await convertLayersModel(model, { variant: 'float32' });
  const { maxDelta, agreement } = compare(reference(model, pixels, 6), await runTflite(bytes, pixels, 6), 4);
  assert.ok(maxDelta <= 1e-4, `max |Δp| ${maxDelta}`);
  assert.equal(agreement, 1);
  const summary = inspectTflite(bytes);
  assert.equal(summary.operators.CONCATENATION, 1);
  assert.equal(summary.operators.ADD, 1);
  assert.equal(summary.operators.RESHAPE, 1);
  assert.equal(summary.operators.AVERAGE_POOL_2D, 2);
});

test('every variant loads and runs on tflite-node, close to the float model', async (t) => {
  const model = mobilenetV1Style();
  const pixels = randomPixels(8, 3);
  const expected = reference(model, pixels, 8);
  const calibration = Float32Array.from(randomPixels(16, 4), (pixel) => pixel * UNIT.scale);
  const float32 = await convertLayersModel(model, { variant: 'float32', normalization: UNIT });
  const tolerance: Record<Variant, number> = { float32: 1e-4, float16: 1e-2, 'int8-dynamic': 0.1, int8: 0.1 };
  for (const variant of ['float16', 'int8-dynamic', 'int8'] as const) {
    await t.test(variant, async () => {
      const bytes = await convertLayersModel(model, { variant, normalization: UNIT, calibration, classNames: ['a', 'b', 'c', 'd', 'e'] });
      const { maxDelta } = compare(expected, await runTflite(bytes, pixels, 8), 5);
      assert.ok(maxDelta <= tolerance[variant], `${variant}: max |Δp| ${maxDelta}`);
      const summary = inspectTflite(bytes);
      if (variant === 'float16') {
        // Kernels in half the bytes; biases (one float per output channel) stay float32.
        const biasBytes = 4 * ['conv1', 'dw_0', 'pw_0', 'dw_1', 'pw_1', 'head'].reduce((sum, name) => sum + (model.getLayer(name).outputShape as number[]).at(-1)!, 0);
        assert.deepEqual(summary.weightBytes, { ...inspectTflite(float32).weightBytes, float32: biasBytes, float16: (inspectTflite(float32).weightBytes.float32! - biasBytes) / 2 });
      } else {
        assert.ok(summary.weightBytes.int8! > 0, JSON.stringify(summary.weightBytes));
      }
    });
  }
  await t.test('int8 with uint8 input and output', async () => {
    const bytes = await convertLayersModel(model, { variant: 'int8', normalization: UNIT, calibration, io: 'uint8' });
    const summary = inspectTflite(bytes);
    assert.equal(summary.inputs[0]!.type, 'uint8');
    // Pixels go in as they are: scale 1/255, zero point 0.
    assert.deepEqual(summary.inputs[0]!.quantization, { scale: [Math.fround(1 / 255)], zeroPoint: [0] });
    assert.equal(summary.outputs[0]!.type, 'uint8');
    const { maxDelta } = compare(expected, await runTflite(bytes, pixels, 8), 5);
    assert.ok(maxDelta <= 0.1, `max |Δp| ${maxDelta}`);
  });
});

test('a session opened for batch 4 returns what four single runs return', async () => {
  const model = branchyModel();
  const pixels = randomPixels(8, 5);
  const bytes = await convertLayersModel(model, { variant: 'float32' });
  const single = await runTflite(bytes, pixels, 8, 1);
  const batched = await runTflite(bytes, pixels, 8, 4);
  const { maxDelta } = compare(single, batched, 4);
  assert.ok(maxDelta < 1e-5, `max |Δp| ${maxDelta}`);
});

test('an unsupported layer fails naming the layer and its class', async (t) => {
  await t.test('ThresholdedReLU', async () => {
    const input = tf.input({ shape: [SIZE, SIZE, 3] });
    const x = tf.layers.thresholdedReLU({ theta: 0.5, name: 'my_threshold' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor });
    await assert.rejects(convertLayersModel(model, { variant: 'float32' }), (error: unknown) => {
      assert.ok(error instanceof UnsupportedLayerError);
      assert.equal(error.layer, 'my_threshold');
      assert.equal(error.className, 'ThresholdedReLU');
      assert.match(error.message, /"my_threshold" \(ThresholdedReLU\)/);
      return true;
    });
  });
  await t.test('LSTM', async () => {
    const input = tf.input({ shape: [6, 3] });
    const x = tf.layers.lstm({ units: 4, name: 'my_lstm' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(x) as tf.SymbolicTensor });
    await assert.rejects(convertLayersModel(model, { variant: 'float32' }), /"my_lstm" \(LSTM\)/);
  });
});

test('inspect reads back what the converter wrote', async () => {
  const model = mobilenetV1Style();
  const calibration = Float32Array.from(randomPixels(8, 6), (pixel) => pixel * UNIT.scale);
  const classNames = ['daisy', 'dandelion', 'roses', 'sunflowers', 'tulips'];
  const bytes = await convertLayersModel(model, { variant: 'int8', normalization: UNIT, calibration, classNames, source: { sha256: 'abc' } });
  const summary = inspectTflite(bytes);
  assert.equal(summary.schemaVersion, 3);
  assert.equal(summary.inputs.length, 1);
  assert.deepEqual({ name: summary.inputs[0]!.name, type: summary.inputs[0]!.type, shape: summary.inputs[0]!.shape }, { name: 'image', type: 'float32', shape: [1, SIZE, SIZE, 3] });
  assert.deepEqual(summary.inputs[0]!.shapeSignature, [-1, SIZE, SIZE, 3]);
  assert.deepEqual({ name: summary.outputs[0]!.name, type: summary.outputs[0]!.type, shape: summary.outputs[0]!.shape }, { name: 'probabilities', type: 'float32', shape: [1, 5] });
  assert.equal(summary.operators.QUANTIZE, 1);
  assert.equal(summary.operators.DEQUANTIZE, 1);
  assert.deepEqual(
    summary.operatorCodes.filter((code) => ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'SOFTMAX'].includes(code.name)).sort((a, b) => a.name.localeCompare(b.name)),
    [
      { name: 'CONV_2D', version: 3 },
      { name: 'DEPTHWISE_CONV_2D', version: 3 },
      { name: 'FULLY_CONNECTED', version: 4 },
      { name: 'SOFTMAX', version: 1 },
    ],
  );
  const weights = model.layers.flatMap((layer) => layer.getWeights());
  const convWeights = ['conv1', 'dw_0', 'pw_0', 'dw_1', 'pw_1', 'head'].reduce((sum, name) => sum + model.getLayer(name).getWeights()[0]!.size, 0);
  assert.ok(weights.length > 0);
  assert.equal(summary.weightBytes.int8, convWeights, 'one int8 byte per weight of every conv/dense kernel');
  const metadata = summary.metadata.find((entry) => entry.name === 'edgebench')!.json as { variant: string; classNames: string[]; input: { normalization: unknown }; source: unknown };
  assert.equal(metadata.variant, 'int8');
  assert.deepEqual(metadata.classNames, classNames);
  assert.deepEqual(metadata.input.normalization, UNIT);
  assert.deepEqual(metadata.source, { sha256: 'abc' });
  assert.equal(summary.metadata.find((entry) => entry.name === 'labels.txt')!.text, `${classNames.join('\n')}\n`);
  assert.deepEqual(summary.signatures, [{ key: 'serving_default', subgraph: 0, inputs: [{ name: 'image', tensor: summary.inputs[0]!.index }], outputs: [{ name: 'probabilities', tensor: summary.outputs[0]!.index }] }]);
});

test('float16 conversion rounds to nearest even and handles the edges', () => {
  assert.equal(toHalfBits(1), 0x3c00);
  assert.equal(toHalfBits(-2), 0xc000);
  assert.equal(toHalfBits(65504), 0x7bff);
  assert.equal(toHalfBits(1e6), 0x7c00, 'overflow is infinity');
  assert.equal(toHalfBits(2 ** -24), 0x0001, 'smallest subnormal');
  assert.equal(toHalfBits(2 ** -26), 0x0000, 'below half the smallest subnormal rounds to zero');
  assert.equal(toHalfBits(1 + 2 ** -11), 0x3c00, 'a tie rounds to the even mantissa');
  assert.equal(toHalfBits(1 + 3 * 2 ** -11), 0x3c02, 'a tie rounds to the even mantissa (upwards)');
  assert.equal(toHalfBits(Number.NaN) & 0x7c00, 0x7c00);
});

test('inspect rejects a file that is not a .tflite', () => {
  assert.throws(() => inspectTflite(new TextEncoder().encode('{"format": "layers-model"}')), /not a \.tflite file/);
});
