/**
 * The converter's files judged by the real runtime (tfjs-tflite-node) against
 * TF.js, on small models built here and the test zoo: one file (one test
 * process, ~1.5 s of startup each) for what were seven, each behaviour its own
 * describe block with its own setup, named after it, its comment saying what
 * it checks.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { outputRanges } from '../../models/feature-engine.ts';
import { loadLayersModel } from '../../models/model-io.ts';
import { convertLayersModel, emitVariant, inspectTflite, prepareModel, toHalfBits, UnsupportedLayerError, type Variant } from '../../models/tflite/index.ts';
import { calibrate } from '../../models/tflite/int8-calibration.ts';
import { calibrateNative, RANGE_TOLERANCE, rangeDifferences } from '../../models/tflite/native-calibration.ts';
import type { TfliteRunner } from '../../models/tflite/runner.ts';
import { tfliteNodeCoverage } from '../../targets/node/tflite-coverage.ts';
import { tfliteHostRunner } from '../../targets/node/tflite-host.ts';
import { openTfliteSession } from '../../targets/node/tflite.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { calibratedOnWasm, compareOutputs, convertAndCompare, describe as describeResults, failedBars, predictTfjs, predictTflite, UNIT } from '../helpers/tflite-compare.ts';
import { CONCATENATE_WITH_INPUT, INCEPTION_LIKE, LAYERS, NETWORKS, zooImages } from '../helpers/tflite-zoo.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * The converter on small layers models built here (random weights), judged by
 * the real runtime (tfjs-tflite-node) against the same model on TF.js `cpu`:
 * a MobileNet v1-style stack, branches and merges (residual Add, Inception-style
 * Concatenate with both poolings), every variant, batch > 1, unsupported layers,
 * and what `inspectTflite` reads back. Conversions that calibrate run on TF.js
 * `wasm` (calibratedOnWasm), as `bench convert` calibrates on the host's
 * fastest backend; the references stay on `cpu`.
 */
describe('layers models built here, every variant on tflite-node', () => {
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
        const bytes = await calibratedOnWasm(() => convertLayersModel(model, { variant, normalization: UNIT, calibration, classNames: ['a', 'b', 'c', 'd', 'e'] }));
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
      const bytes = await calibratedOnWasm(() => convertLayersModel(model, { variant: 'int8', normalization: UNIT, calibration, io: 'uint8' }));
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
    const bytes = await calibratedOnWasm(() => convertLayersModel(model, { variant: 'int8', normalization: UNIT, calibration, classNames, source: { sha256: 'abc' } }));
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
});

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
describe('one model per layer of the supported-layer table', () => {
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
        s.diagnostic(describeResults(results));
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
    const bytes = await calibratedOnWasm(() => convertLayersModel(model, { variant: 'int8', io: 'uint8', normalization: UNIT, calibration: Float32Array.from(zooImages(32, 16, 'calibration'), (pixel) => pixel / 255) }));
    const summary = inspectTflite(bytes);
    assert.equal(summary.inputs[0]!.type, 'uint8');
    assert.equal(summary.outputs[0]!.type, 'uint8');
    assert.deepEqual(summary.floatFallback, { ABS: 2, ADD: 2, DIV: 2 });
    const { agreement, maxDelta } = compareOutputs(predictTfjs(model, pixels, 16), await predictTflite(bytes, pixels, 16), 4);
    assert.ok(agreement >= 0.9 && maxDelta <= 0.05, `agreement ${agreement}, max |Δ| ${maxDelta}`);
    model.dispose();
  });
});

/**
 * The mobile networks of the test zoo (MobileNetV3-Small-like with hard-swish and
 * squeeze-excite, EfficientNet-B0-like blocks with swish and SE, an Xception-like
 * block with SeparableConv2D and a residual, a small U-Net-like decoder with
 * Conv2DTranspose, UpSampling2D, Concatenate and Cropping2D, InceptionV3's
 * blocks with average pooling and 1×7 / 7×1 convolutions), each converted in
 * all four variants and run on tfjs-tflite-node against TF.js: float32 within
 * 1e-4 and 100% top-1 agreement, float16 within 5e-3, both int8 variants at
 * least 90% top-1 agreement; every op of their int8 files has an int8 kernel.
 */
describe("the zoo's mobile networks", () => {
  const IMAGES = 32;

  for (const network of [...NETWORKS, INCEPTION_LIKE]) {
    test(`${network.name}: every variant agrees with TF.js`, async (t) => {
      const model = network.build();
      const size = model.inputs[0]!.shape[1]!;
      const calibration = Float32Array.from(zooImages(32, size, 'calibration'), (pixel) => pixel / 255);
      const results = await convertAndCompare(model, zooImages(IMAGES, size, 'check'), IMAGES, calibration);
      t.diagnostic(describeResults(results));
      assert.deepEqual(failedBars(results), []);
      const int8 = inspectTflite(results.find((result) => result.variant === 'int8')!.bytes);
      assert.equal(int8.floatFallback, undefined, `float ops in the int8 file: ${JSON.stringify(int8.floatFallback)}`);
      model.dispose();
    });
  }
});

/**
 * Regression tests for what the converter used to get silently wrong or crash
 * on (issue 16): a dilated DepthwiseConv2D (TF.js ignores the dilation, the
 * file did not), int8 Concatenate of a branch with a sigmoid output or with
 * the model input (the branch was squeezed into [0, 1]), and int8 Dense on a
 * 3-D/4-D tensor (calibration crashed with a TF.js stack naming no layer).
 */
describe('what the converter once got silently wrong', () => {
  type T = tf.SymbolicTensor;
  const apply = (layer: tf.layers.Layer, input: T | T[]) => layer.apply(input) as T;
  const SIZE = 16;
  const calibration = () => Float32Array.from(zooImages(32, SIZE, 'calibration'), (pixel) => pixel / 255);

  test('TF.js runs a DepthwiseConv2D with dilation 2 undilated, and the converter refuses it rather than write a file that dilates', async () => {
    const input = tf.input({ shape: [SIZE, SIZE, 3] });
    const dilated = tf.layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, padding: 'same', name: 'dilated' });
    const plain = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' });
    const dilatedModel = tf.model({ inputs: input, outputs: apply(dilated, input) });
    const plainModel = tf.model({ inputs: input, outputs: apply(plain, input) });
    plain.setWeights(dilated.getWeights());
    const pixels = zooImages(2, SIZE, 'dilation');
    // The premise: TF.js 4.22 computes the same function with and without the dilation.
    assert.deepEqual(predictTfjs(dilatedModel, pixels, 2), predictTfjs(plainModel, pixels, 2));
    await assert.rejects(convertLayersModel(dilatedModel, { variant: 'float32' }), (error: unknown) => error instanceof UnsupportedLayerError && error.layer === 'dilated' && /ignored by TF\.js/.test(error.message));
  });

  /** input → [linear 1×1 conv, second branch] → Concatenate, as the model's output: int8 must keep the linear branch's range. */
  async function concatenationError(secondBranch: (input: T) => T): Promise<{ linearMin: number; linearMax: number; maxDelta: number; scale: number }> {
    const input = tf.input({ shape: [SIZE, SIZE, 3] });
    const linear = apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, kernelInitializer: tf.initializers.randomNormal({ stddev: 3, seed: 5 }), biasInitializer: tf.initializers.constant({ value: -1 }) }), input);
    const model = tf.model({ inputs: input, outputs: apply(tf.layers.concatenate({}), [linear, secondBranch(input)]) });
    const pixels = zooImages(16, SIZE, 'concatenation');
    const expected = predictTfjs(model, pixels, 16);
    const bytes = await calibratedOnWasm(() => convertLayersModel(model, { variant: 'int8', normalization: UNIT, calibration: calibration() }));
    const actual = await predictTflite(bytes, pixels, 16);
    const channels = model.outputs[0]!.shape[3]!;
    let linearMin = Infinity;
    let linearMax = -Infinity;
    for (let i = 0; i < expected.length; i++) {
      if (i % channels >= 4) continue;
      linearMin = Math.min(linearMin, expected[i]!);
      linearMax = Math.max(linearMax, expected[i]!);
    }
    return { linearMin, linearMax, maxDelta: compareOutputs(expected, actual, channels).maxDelta, scale: (linearMax - linearMin) / 255 };
  }

  test('int8 Concatenate of a linear branch with a sigmoid output keeps the branch within a few quantization steps', async () => {
    const result = await concatenationError((input) => apply(tf.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.randomNormal({ stddev: 2, seed: 6 }) }), input));
    // The branch goes well outside the sigmoid's [0, 1]: squeezing it into [0, 1] would be off by more than 1.
    assert.ok(result.linearMin < -2 && result.linearMax > 2, JSON.stringify(result));
    assert.ok(result.maxDelta <= 4 * result.scale, JSON.stringify(result));
  });

  test('int8 Concatenate of a linear branch with the model input keeps the branch within a few quantization steps', async () => {
    const result = await concatenationError((input) => input);
    assert.ok(result.linearMin < -2 && result.linearMax > 2, JSON.stringify(result));
    assert.ok(result.maxDelta <= 4 * result.scale, JSON.stringify(result));
  });

  test('int8 Dense on 3-D and 4-D tensors converts and agrees with TF.js', async (t) => {
    for (const rank of [3, 4]) {
      await t.test(`rank ${rank}`, async () => {
        const input = tf.input({ shape: [SIZE, SIZE, 3] });
        let x = apply(tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 10 + rank }) }), input);
        if (rank === 3) x = apply(tf.layers.reshape({ targetShape: [14 * 14, 6] }), x);
        x = apply(tf.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ stddev: 2, seed: rank }) }), x);
        const model = tf.model({ inputs: input, outputs: x });
        const pixels = zooImages(8, SIZE, 'dense');
        const bytes = await calibratedOnWasm(() => convertLayersModel(model, { variant: 'int8', normalization: UNIT, calibration: calibration() }));
        const { maxDelta, agreement } = compareOutputs(predictTfjs(model, pixels, 8), await predictTflite(bytes, pixels, 8), 5);
        t.diagnostic(`rank ${rank}: agreement ${agreement}, max |Δ| ${maxDelta.toExponential(1)}`);
        // Top-1 along the last axis: one softmax per position (196 per image).
        assert.ok(agreement >= 0.95, `agreement ${agreement}, max |Δ| ${maxDelta}`);
      });
    }
  });
});

/**
 * int8 calibration on the host's native TFLite (tflite-node with XNNPACK)
 * gives TF.js's ranges and bias correction on a small real network (conv,
 * depthwise conv, pooling, dense, softmax), and falls back to TF.js with one
 * line when the runner cannot run the calibration model.
 */
describe('int8 calibration on tflite-node', () => {
  const SIZE = 24;
  const COUNT = 6;

  function tinyNet(): tf.LayersModel {
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const input = tf.input({ shape: [SIZE, SIZE, 3] });
    let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1), biasInitializer: 'ones' }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu', depthwiseInitializer: init(2) }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ filters: 12, kernelSize: 1, activation: 'relu', kernelInitializer: init(3) }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
    const output = tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: init(4) }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: output });
  }

  /** Deterministic images in [-1, 1] with some structure (a gradient and a bright square), not noise alone. */
  function images(): Float32Array {
    const values = new Float32Array(COUNT * SIZE * SIZE * 3);
    for (let image = 0; image < COUNT; image += 1) {
      for (let y = 0; y < SIZE; y += 1) {
        for (let x = 0; x < SIZE; x += 1) {
          for (let c = 0; c < 3; c += 1) {
            const square = x > image * 2 && x < image * 2 + 8 && y > 4 && y < 14 ? 0.8 : 0;
            values[((image * SIZE + y) * SIZE + x) * 3 + c] = Math.max(-1, Math.min(1, (x / SIZE) * (c - 1) + square - 0.3 + Math.sin(image + x * y) * 0.2));
          }
        }
      }
    }
    return values;
  }

  test('tflite-node calibration gives TF.js ranges and bias correction', async () => {
    const model = tinyNet();
    const { graph } = prepareModel(model);
    const lines: string[] = [];
    const native = await calibrateNative(graph, { images: images(), count: COUNT, runner: tfliteHostRunner, say: (line) => lines.push(line) });
    const reference = await calibrate(graph, { images: images(), count: COUNT });
    model.dispose();
    assert.deepEqual(lines, [`int8 calibration on tflite-node (${COUNT} images; its ranges on the first image match TF.js's)`]);
    assert.equal(native.ranges.size, reference.ranges.size);
    assert.deepEqual(rangeDifferences(graph, native.ranges, reference.ranges), []);
    assert.ok([...reference.ranges.values()].some(([min, max]) => max - min > 0.1), 'real ranges, not all zero');
    assert.deepEqual([...native.biasCorrection.keys()].sort(), [...reference.biasCorrection.keys()].sort());
    assert.ok(native.biasCorrection.size >= 3, 'every weighted op corrected');
    for (const [bias, expected] of reference.biasCorrection) {
      const got = native.biasCorrection.get(bias)!;
      const scale = Math.max(...expected.map(Math.abs), 1e-6);
      expected.forEach((value, channel) => assert.ok(Math.abs(got[channel]! - value) <= 10 * RANGE_TOLERANCE * scale, `bias ${bias}[${channel}]: ${got[channel]} vs ${value}`));
    }
  });

  test('a runner that cannot run the calibration model: TF.js calibrates, with one line saying why', async () => {
    const model = tinyNet();
    const { graph } = prepareModel(model);
    const broken: TfliteRunner = { ...tfliteHostRunner, name: 'broken-runner', open: () => Promise.reject(new Error('no native library here')) };
    const lines: string[] = [];
    const result = await calibrateNative(graph, { images: images(), count: COUNT, runner: broken, say: (line) => lines.push(line) });
    const reference = await calibrate(graph, { images: images(), count: COUNT });
    model.dispose();
    assert.deepEqual(lines, ['int8 calibration on TF.js: broken-runner could not run the calibration model (no native library here)']);
    assert.deepEqual(result.ranges, reference.ranges);
  });

  test('a runner whose ranges differ from TF.js on the first image: TF.js calibrates, with one line saying so', async () => {
    const model = tinyNet();
    const { graph } = prepareModel(model);
    // A real native session whose outputs come back 5% too large: what a wrong kernel would give.
    const skewed: TfliteRunner = {
      ...tfliteHostRunner,
      async open(bytes, options) {
        const session = await tfliteHostRunner.open(bytes, options);
        return { run: async (input) => (await session.run(input)).map((values) => values.map((value) => value * 1.05)), dispose: () => session.dispose() };
      },
    };
    const lines: string[] = [];
    const result = await calibrateNative(graph, { images: images(), count: COUNT, runner: skewed, say: (line) => lines.push(line) });
    const reference = await calibrate(graph, { images: images(), count: COUNT });
    model.dispose();
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^int8 calibration on TF\.js: tflite-node's ranges differ from TF\.js's on the first image \(\d+ tensors, e\.g\. /);
    assert.deepEqual(result.ranges, reference.ranges);
  });
});

/**
 * The hook for calibration on the fast engine: outputRanges runs a float32
 * .tflite on the host's native runner (tflite-node) over normalised inputs and
 * gives each output's [min, max], the same as TF.js computes for the model it
 * was converted from.
 */
describe('output ranges from the host runner', () => {
  test('outputRanges on tflite-node: the ranges TF.js gives for the same model and inputs', async () => {
    const out = await tempDir('output-ranges');
    try {
      const tiny = await makeTinyArtifact(out);
      const model = await loadLayersModel(tiny.modelJsonPath);
      const bytes = await convertLayersModel(model, { variant: 'float32', normalization: tiny.metadata.normalization });
      const size = tiny.metadata.inputSize;
      const count = 6;
      const inputs = Float32Array.from({ length: count * size * size * 3 }, (_, index) => ((index * 37) % 255) / 255);
      const ranges = await outputRanges(tfliteHostRunner, bytes, inputs, count);
      const expected = tf.tidy(() => model.predict(tf.tensor4d(inputs, [count, size, size, 3])) as tf.Tensor).dataSync();
      model.dispose();
      assert.equal(ranges.length, 1, 'one output');
      const [low, high] = ranges[0]!;
      assert.ok(Math.abs(low - Math.min(...expected)) < 1e-5, `min ${low} vs ${Math.min(...expected)}`);
      assert.ok(Math.abs(high - Math.max(...expected)) < 1e-5, `max ${high} vs ${Math.max(...expected)}`);
      assert.ok(high > low);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

/**
 * What tflite-node's XNNPACK path really takes, read from the real runtime:
 * a float32, a float16 (DEQUANTIZE of its weights included) and a full
 * int8 file (its classifier too: a per-tensor bias, the softmax in float)
 * are wholly delegated; an int8-dynamic file's hybrid ops (int8 weights,
 * float activations) are left to TFLite's own kernels and named.
 */
describe('what XNNPACK takes of each variant', () => {
  type T = tf.SymbolicTensor;

  test('float32, float16 and int8 fully on XNNPACK; int8-dynamic\'s hybrid ops named as left', async () => {
    const input = tf.input({ shape: [16, 16, 3] });
    let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as T;
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(x) as T;
    x = tf.layers.globalAveragePooling2d({}).apply(x) as T;
    x = tf.layers.dense({ units: 4, activation: 'softmax' }).apply(x) as T;
    const prepared = prepareModel(tf.model({ inputs: input, outputs: x }));
    const dir = await tempDir('coverage');
    const coverage: Record<string, Awaited<ReturnType<typeof tfliteNodeCoverage>>> = {};
    const calibration = Float32Array.from({ length: 4 * 16 * 16 * 3 }, (_, index) => ((index * 2654435761) % 1000) / 1000);
    for (const variant of ['float32', 'float16', 'int8-dynamic', 'int8'] as const) {
      const file = join(dir, `${variant}.tflite`);
      await writeFile(file, await emitVariant(prepared, { variant, ...(variant === 'int8' ? { calibration } : {}) }));
      coverage[variant] = await tfliteNodeCoverage(file);
    }
    assert.equal(coverage.float32!.accelerated, coverage.float32!.total);
    assert.deepEqual(coverage.float32!.left, {});
    assert.equal(coverage.float16!.accelerated, coverage.float16!.total);
    assert.ok(coverage.float16!.total > coverage.float32!.total, 'float16 adds DEQUANTIZE ops, taken too');
    assert.deepEqual(coverage['int8-dynamic']!.left, { CONV_2D: 1, DEPTHWISE_CONV_2D: 1, FULLY_CONNECTED: 1 });
    assert.equal(coverage['int8-dynamic']!.accelerated, coverage['int8-dynamic']!.total - 3);
    assert.deepEqual(coverage.int8!.left, {}, 'the int8 FULLY_CONNECTED and the softmax are delegated too');
    assert.equal(coverage.int8!.accelerated, coverage.int8!.total);
    assert.equal(coverage.int8!.partitions, 1);
  });
});
