/**
 * int8 calibration on the host's native TFLite (tflite-node with XNNPACK)
 * gives TF.js's ranges and bias correction on a small real network (conv,
 * depthwise conv, pooling, dense, softmax), and falls back to TF.js with one
 * line when the runner cannot run the calibration model.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { prepareModel } from '../../models/tflite/convert.ts';
import { calibrate } from '../../models/tflite/int8-calibration.ts';
import { calibrateNative, rangeDifferences, RANGE_TOLERANCE } from '../../models/tflite/native-calibration.ts';
import type { TfliteRunner } from '../../models/tflite/runner.ts';
import { tfliteHostRunner } from '../../targets/node/tflite-host.ts';

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
