/**
 * `bench inspect` on a .tflite with TFLite Support metadata: one line says
 * what it tells a runtime (input size, normalisation, labels), and metadata
 * it cannot read is said, not fatal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { tfliteWithSupportMetadata } from '../fixtures/tflite-support-metadata.ts';
import { bench } from '../helpers/cli.ts';

test('inspect prints the TFLite Support metadata in one line; per-channel normalisation is named as unreadable', async () => {
  await tf.setBackend('cpu');
  const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3 }), tf.layers.globalAveragePooling2d({}), tf.layers.dense({ units: 3, activation: 'softmax' })] });
  const dir = mkdtempSync(join(tmpdir(), 'edgebench-inspect-support-'));
  try {
    writeFileSync(join(dir, 'good.tflite'), tfliteWithSupportMetadata(model, { imageSize: 8, mean: [127.5], std: [127.5], labels: ['cat', 'dog', 'bird'] }));
    writeFileSync(join(dir, 'rgb.tflite'), tfliteWithSupportMetadata(model, { imageSize: 8, mean: [1, 2, 3], std: [4, 5, 6], labels: ['cat', 'dog', 'bird'] }));
    // In this process (../helpers/cli.ts): a spawned harness/bin.js started Node, tsx and TF.js again for each file.
    const good = await bench(['inspect', join(dir, 'good.tflite')]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stderr, /TFLite Support metadata: input 8×8, normalisation pixel × 0\.00784314 \+ -1\.00000, 3 labels: cat, dog, bird/);
    const rgb = await bench(['inspect', join(dir, 'rgb.tflite')]);
    assert.equal(rgb.code, 0, rgb.stderr);
    assert.match(rgb.stderr, /TFLite Support metadata: unreadable \(per-channel normalisation mean \[1, 2, 3\]/);
  } finally {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
