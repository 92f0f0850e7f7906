/**
 * A user's layers model with no metadata.json is fed alike on its Mobile and
 * Lite paths: `bench convert` writes the .tflite with the normalisation
 * `bench run` assumes for the model.json (one default, [-1, 1], said in the
 * output), so the two runtimes agree on the same images. They used to differ
 * (convert assumed [0, 1], run [-1, 1]): a silent wrong answer.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { main } from '../../harness/cli.ts';
import { loadTfjsModel, saveLayersModel } from '../../models/model-io.ts';
import { resolveUserModel } from '../../models/user-model.ts';
import { tfjsSession } from '../../targets/node/tfjs.ts';
import { openTfliteSession } from '../../targets/node/tflite.ts';
import { tempDir } from '../helpers/tmp.ts';

const SIZE = 8;

function maxDelta(a: Float32Array, b: Float32Array): number {
  return Math.max(...Array.from(a, (value, index) => Math.abs(value - b[index]!)));
}

test('bench convert and bench run feed a model without metadata.json the same inputs', async () => {
  const dir = await tempDir('normalization-both-paths');
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: tf.initializers.constant({ value: 0.1 }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(x) as tf.SymbolicTensor;
  const modelJson = await saveLayersModel(tf.model({ inputs: input, outputs: x }), join(dir, 'mine'));

  let stderr = '';
  const code = await main(['convert', '--model', modelJson, '--variants', 'float32', '--out', join(dir, 'out')], { stdout: () => {}, stderr: (text) => void (stderr += text), cwd: dir });
  assert.equal(code, 0, stderr);
  assert.match(stderr, /assuming \[-1, 1\]/, 'the assumed normalisation is said');

  // What `bench run --model` settles for each file (models/user-model.ts): the same normalisation.
  const mobile = await resolveUserModel({ path: modelJson });
  const lite = await resolveUserModel({ path: join(dir, 'mine', 'model.float32.tflite') });
  assert.ok(mobile.assumed.some((entry) => /normalisation/.test(entry)), 'the model.json path assumes it too');
  assert.deepEqual(lite.normalization, mobile.normalization);

  // The real sessions of both paths on the same pixels agree.
  const pixels = Uint8Array.from({ length: SIZE * SIZE * 3 }, (_, index) => (index * 97 + 13) % 256);
  const session = tfjsSession(tf, await loadTfjsModel(modelJson), { inputSize: SIZE, normalization: mobile.normalization });
  const bytes = new Uint8Array(await readFile(lite.path));
  const tflite = await openTfliteSession({ bytes, normalization: lite.normalization, threads: 1, batchSize: 1 });
  try {
    const onMobile = await session.run(pixels, 1);
    const onLite = await tflite.run(pixels, 1);
    assert.ok(maxDelta(onMobile, onLite) < 1e-4, `Mobile ${Array.from(onMobile)} vs Lite ${Array.from(onLite)}`);
    // The check can tell a mix-up: the Lite file fed [0, 1] instead gives other probabilities.
    const mixedUp = await openTfliteSession({ bytes, normalization: { scale: 1 / 255, offset: 0 }, threads: 1, batchSize: 1 });
    try {
      assert.ok(maxDelta(onMobile, await mixedUp.run(pixels, 1)) > 1e-3, 'a [0, 1] input changes the outputs');
    } finally {
      await mixedUp.dispose();
    }
  } finally {
    await tflite.dispose();
    await session.dispose();
  }
});
