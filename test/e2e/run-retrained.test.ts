/**
 * Accuracy measured by a run equals retraining's own test accuracy for the
 * same model: a tiny 32-px backbone retrained for real on a small generated
 * dataset (retraining tests its head on cached bottlenecks), then the whole
 * Mobile artifact benchmarked on tfjs-wasm and tfjs-cpu over the evaluation pack.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { saveLayersModel } from '../../models/model-io.ts';
import { retrainModels } from '../../models/retrain.ts';
import { tempDir } from '../helpers/tmp.ts';

let root: string;

before(async () => {
  root = await tempDir('run-retrained');
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A 32-px two-conv backbone: real retraining and real inference in seconds. */
async function tinyBackbone(dir: string): Promise<string> {
  const input = tf.input({ shape: [32, 32, 3] });
  const first = tf.layers.conv2d({ name: 'c1', filters: 8, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(input) as tf.SymbolicTensor;
  const features = tf.layers.conv2d({ name: 'features', filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(first) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: features });
  await saveLayersModel(model, dir);
  model.dispose();
  return join(dir, 'model.json');
}

test('a run on wasm and cpu measures exactly the test accuracy retraining reported', async () => {
  const out = join(root, 'out');
  const config = parseConfig({
    out,
    models: ['tiny'],
    backbones: { tiny: { url: await tinyBackbone(join(root, 'backbone')), featureLayer: 'features', inputSize: 32 } },
    dataset: { imagesPerClass: 16, testPercent: 25 },
    retrain: { steps: 60, evalEvery: 20 },
    run: { targets: ['node'], backends: ['tfjs-wasm', 'tfjs-cpu'], minSamples: 5, minTimeMs: 0, warmupIterations: 1, rounds: 1 },
  });
  const log = memoryLogger('quiet');
  const retrained = await retrainModels({ config, log, out });
  assert.deepEqual(retrained.failures, []);
  const { training, dataset } = retrained.models[0]!.metadata;
  assert.ok(dataset.splits.test >= 4, `${dataset.splits.test} test images`);

  const { record } = await runBenchmarks({ config, log, out });
  assert.deepEqual(record.failures, []);
  assert.equal(record.training[0]?.testAccuracy, training.testAccuracy);
  assert.equal(record.measurements.length, 2);
  for (const measurement of record.measurements) {
    assert.equal(measurement.evaluation?.images, dataset.splits.test, `${measurement.key.runtime}: the whole test split`);
    assert.equal(measurement.evaluation?.accuracy, training.testAccuracy, `${measurement.key.runtime}: accuracy equals retraining's test accuracy`);
    assert.equal(measurement.evaluation?.agreement?.top1, 1);
    assert.ok(measurement.evaluation!.agreement!.maxAbsDiff < 1e-4, `${measurement.key.runtime}: max |Δp| ${measurement.evaluation!.agreement!.maxAbsDiff}`);
  }
});
