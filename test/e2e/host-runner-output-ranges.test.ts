/**
 * The hook for calibration on the fast engine: outputRanges runs a float32
 * .tflite on the host's native runner (tflite-node) over normalised inputs and
 * gives each output's [min, max], the same as TF.js computes for the model it
 * was converted from.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { outputRanges } from '../../models/feature-engine.ts';
import { loadLayersModel } from '../../models/model-io.ts';
import { convertLayersModel } from '../../models/tflite/index.ts';
import { tfliteHostRunner } from '../../targets/node/tflite-host.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';

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
