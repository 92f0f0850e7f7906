/**
 * Merges of three or more inputs (Add, Multiply) followed by a ReLU convert to
 * the function TF.js computes, in all four variants. The lowering chains binary
 * ops; the ReLU then fuses into the last of them only. It used to fuse into
 * every op of the chain (they shared one options object), so the partial sums
 * were clipped too: float32 was off by 1.6 on outputs up to 4.6.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { convertAndCompare, describe, failedBars } from '../helpers/tflite-compare.ts';
import { zooImages } from '../helpers/tflite-zoo.ts';

type T = tf.SymbolicTensor;
const SIZE = 8;
const IMAGES = 8;

/** input → three 3×3 conv branches (outputs of both signs) → merge → ReLU. */
function mergeThenRelu(merge: (config: object) => tf.layers.Layer, seed: number): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  const branches = [0, 1, 2].map(
    (branch) =>
      tf.layers
        .conv2d({
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          kernelInitializer: tf.initializers.randomNormal({ stddev: 0.5, seed: seed + branch }),
          biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: seed + 10 + branch }),
        })
        .apply(input) as T,
  );
  const merged = merge({ name: 'merged' }).apply(branches) as T;
  return tf.model({ inputs: input, outputs: tf.layers.reLU({}).apply(merged) as T });
}

for (const [name, merge, seed] of [
  ['Add', tf.layers.add, 1],
  ['Multiply', tf.layers.multiply, 31],
] as const) {
  test(`a three-input ${name} followed by ReLU converts in all four variants within their bounds`, async (t) => {
    const model = mergeThenRelu(merge, seed);
    const calibration = Float32Array.from(zooImages(32, SIZE, 'calibration'), (pixel) => pixel / 255);
    const results = await convertAndCompare(model, zooImages(IMAGES, SIZE, 'n-ary'), IMAGES, calibration);
    t.diagnostic(describe(results));
    assert.deepEqual(failedBars(results), []);
    model.dispose();
  });
}
