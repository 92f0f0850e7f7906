/**
 * An evaluation budget per job: a slow runtime (TF.js cpu plus a fixed delay
 * per inference, in its own worker process like any Node job) stops
 * evaluating once run.evalBudgetMs is spent; the record says how many images
 * it used, its accuracy is the accuracy on exactly that prefix of the pack,
 * and its agreement is computed on the same images.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { parseConfig } from '../../harness/core/config.ts';
import { readEvalPack } from '../../harness/core/eval-pack.ts';
import { evalPackDir } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { loadLayersModel } from '../../models/model-io.ts';
import { createNodeTarget, DEFAULT_RUNTIME_MODULE } from '../../targets/node/index.ts';
import { installedReferenceEngines } from '../../targets/node/reference.ts';
import { SLOW_INFERENCE_MS } from '../fixtures/node-test-runtimes.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';

const IMAGES = 30;
const BUDGET_MS = 8 * SLOW_INFERENCE_MS;

let out: string;
let tiny: TinyArtifact;

before(async () => {
  out = await tempDir('eval-budget');
  tiny = await makeTinyArtifact(out, { images: IMAGES });
});
after(() => rm(out, { recursive: true, force: true }));

/** Top-1 of the tiny model on every pack image, computed here on TF.js cpu, independently of the kernel. */
async function predictions(): Promise<number[]> {
  await tf.setBackend('cpu');
  const pack = await readEvalPack(evalPackDir(out, tiny.model));
  const model = await loadLayersModel(tiny.modelJsonPath);
  const size = tiny.metadata.inputSize;
  const top1 = tf.tidy(() => (model.predict(tf.tensor4d(pack.images, [pack.count, size, size, 3], 'int32').toFloat().div(255)) as tf.Tensor).argMax(-1));
  const result = Array.from(await top1.data());
  top1.dispose();
  model.dispose();
  return result;
}

test('a slow runtime stops evaluating at its budget; the record says how many images, accuracy and agreement are on those', async () => {
  const slowModule = new URL('../fixtures/node-test-runtimes.ts', import.meta.url).href;
  const config = parseConfig({
    out,
    models: [tiny.model],
    // No floor of images: the budget alone decides (the floor has its own test below).
    run: { targets: ['node'], backends: ['test-slow'], evalBudgetMs: BUDGET_MS, evalMinImages: 0, warmupIterations: 0, minSamples: 2, minTimeMs: 0, maxTimeMs: 5000, rounds: 1 },
  });
  const { record } = await runBenchmarks({ config, log: memoryLogger(), out, targets: { node: async () => createNodeTarget({ runtimeModules: [DEFAULT_RUNTIME_MODULE, slowModule] }) } });
  assert.equal(record.failures.length, 0, JSON.stringify(record.failures));
  const measurement = record.measurements.find((entry) => entry.key.runtime === 'test-slow');
  const evaluation = measurement?.evaluation;
  assert.ok(evaluation, 'the slow job was evaluated');
  // At least one batch always; stopped well before the whole pack (IMAGES × 60 ms would be 1.8 s against a 480 ms budget).
  assert.ok(evaluation.images >= 1 && evaluation.images < IMAGES, `evaluated ${evaluation.images} of ${IMAGES} images`);
  assert.ok(evaluation.images <= BUDGET_MS / SLOW_INFERENCE_MS + 1, `no more images than the budget allows: ${evaluation.images}`);

  const pack = await readEvalPack(evalPackDir(out, tiny.model));
  const top1 = await predictions();
  const correct = top1.slice(0, evaluation.images).filter((guess, index) => guess === pack.labels[index]).length;
  assert.equal(evaluation.accuracy, correct / evaluation.images, 'accuracy on exactly the evaluated prefix');
  assert.ok(evaluation.agreement, 'agreement against the reference');
  assert.equal(evaluation.agreement.top1, 1, 'the same model on TF.js: every top-1 agrees');
  assert.equal(evaluation.agreement.reference, installedReferenceEngines()[0], 'named after the fastest exact TF.js engine installed');
});

test('the budget stops an evaluation only past run.evalMinImages', async () => {
  const slowModule = new URL('../fixtures/node-test-runtimes.ts', import.meta.url).href;
  const floor = 14;
  const config = parseConfig({
    out,
    models: [tiny.model],
    run: { targets: ['node'], backends: ['test-slow'], evalBudgetMs: BUDGET_MS, evalMinImages: floor, reuseEvaluations: false, warmupIterations: 0, minSamples: 2, minTimeMs: 0, maxTimeMs: 5000, rounds: 1 },
  });
  const { record } = await runBenchmarks({ config, log: memoryLogger(), out, targets: { node: async () => createNodeTarget({ runtimeModules: [DEFAULT_RUNTIME_MODULE, slowModule] }) } });
  const images = record.measurements.find((entry) => entry.key.runtime === 'test-slow')?.evaluation?.images ?? 0;
  // The budget (8 inferences' worth) ran out long before: the floor kept it going, and it stopped right after.
  assert.ok(images >= floor && images < IMAGES, `evaluated ${images} images with a floor of ${floor}`);
  assert.ok(images <= floor + 1, `stopped once past the floor: ${images}`);
});
