/**
 * A job's evaluation on the Node target: reused when nothing it read changed,
 * and bounded by a budget. One file (one test process, ~1.5 s of startup
 * each) for what were two, each behaviour its own describe block with its own
 * setup, named after it, its comment saying what it checks.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { parseConfig } from '../../harness/core/config.ts';
import { PACK_IMAGES, readEvalPack } from '../../harness/core/eval-pack.ts';
import { evalPackDir } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { loadLayersModel } from '../../models/model-io.ts';
import { DEFAULT_RUNTIME_MODULE } from '../../targets/node/index.ts';
import { installedReferenceEngines } from '../../targets/node/reference.ts';
import { SLOW_INFERENCE_MS } from '../fixtures/node-test-runtimes.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { nodeTargetProbedOnce } from '../helpers/node-target-once.ts';
import { tempDir } from '../helpers/tmp.ts';

// Discovery is no subject here: each block's runs share one Node target, probed once (test/helpers/node-target-once.ts;
// a probe was 4-8 s of wall, and the first block runs the harness five times). The first block's jobs run in this
// process (the target's isolate: false, a user's option too): whether an evaluation is reused is the harness's
// decision before a job starts, and each of its five jobs' worker (Node and TF.js started again) was ~1.5 CPU s.
// The budget's jobs and probe too: the kernel stops an evaluation at its budget wherever it runs.
const inThisProcess = nodeTargetProbedOnce({ isolate: false });
const slowModule = new URL('../fixtures/node-test-runtimes.ts', import.meta.url).href;
const withSlow = nodeTargetProbedOnce({ isolate: false, runtimeModules: [DEFAULT_RUNTIME_MODULE, slowModule] });

/**
 * A second run with the same model file, code, runtime, device and images
 * reads the first run's accuracy instead of evaluating again (it still
 * measures latency); --reevaluate, or a changed evaluation pack, evaluates.
 * Real tfjs-wasm jobs, run in this process (see above).
 */
describe("a second run reuses the first run's evaluation", () => {
  let out: string;

  before(async () => {
    out = await tempDir('evaluation-reuse');
    await makeTinyArtifact(out);
  });
  after(() => rm(out, { recursive: true, force: true }));

  const run = (overrides: Record<string, unknown> = {}) =>
    runBenchmarks({
      config: parseConfig({ out, models: ['tiny'], run: { targets: ['node'], backends: ['tfjs-wasm'], warmupIterations: 1, minSamples: 5, minTimeMs: 0, rounds: 1, ...overrides } }),
      log: memoryLogger(),
      out,
      targets: inThisProcess,
      referenceInProcess: true,
    });

  test('the second run reuses the first run\'s evaluation and measures latency anew; --reevaluate and a changed pack evaluate', async () => {
    const first = await run();
    const evaluated = first.record.measurements[0]!.evaluation!;
    assert.equal(evaluated.reusedFrom, undefined);
    assert.match(evaluated.fingerprint ?? '', /^[0-9a-f]{64}$/);
    assert.ok(evaluated.images > 0);

    const second = await run();
    const measurement = second.record.measurements[0]!;
    assert.equal(measurement.evaluation?.reusedFrom, first.runId);
    assert.equal(measurement.evaluation?.fingerprint, evaluated.fingerprint);
    assert.deepEqual([measurement.evaluation?.images, measurement.evaluation?.accuracy, measurement.evaluation?.hits], [evaluated.images, evaluated.accuracy, evaluated.hits]);
    assert.notDeepEqual(measurement.samples, first.record.measurements[0]!.samples, 'latency is measured again');
    assert.equal(second.timings.jobs[0]!.reusedFrom, first.runId);

    const third = await run({ reuseEvaluations: false });
    assert.equal(third.record.measurements[0]!.evaluation?.reusedFrom, undefined, 'reevaluated');
    assert.equal(third.record.measurements[0]!.evaluation?.fingerprint, evaluated.fingerprint, 'the same inputs');

    // Other pixels: another fingerprint, so the images are evaluated again.
    const pixels = join(evalPackDir(out, 'tiny'), PACK_IMAGES);
    const bytes = await readFile(pixels);
    bytes[0] = 255 - bytes[0]!;
    await writeFile(pixels, bytes);
    const fourth = await run();
    const changed = fourth.record.measurements[0]!.evaluation!;
    assert.equal(changed.reusedFrom, undefined);
    assert.notEqual(changed.fingerprint, evaluated.fingerprint);

    // A different budget changes how many images a slow job evaluates: no reuse across budgets.
    const fifth = await run({ evalBudgetMs: 123_456 });
    assert.equal(fifth.record.measurements[0]!.evaluation?.reusedFrom, undefined);
  });
});

/**
 * An evaluation budget per job: a slow runtime (TF.js cpu plus a fixed delay
 * per inference, run in this process: see above) stops
 * evaluating once run.evalBudgetMs is spent; the record says how many images
 * it used, its accuracy is the accuracy on exactly that prefix of the pack,
 * and its agreement is computed on the same images.
 */
describe('an evaluation budget stops a slow runtime', () => {
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
    const config = parseConfig({
      out,
      models: [tiny.model],
      // No floor of images: the budget alone decides (the floor has its own test below).
      run: { targets: ['node'], backends: ['test-slow'], evalBudgetMs: BUDGET_MS, evalMinImages: 0, warmupIterations: 0, minSamples: 2, minTimeMs: 0, maxTimeMs: 5000, rounds: 1 },
    });
    const { record } = await runBenchmarks({ config, log: memoryLogger(), out, targets: withSlow, referenceInProcess: true });
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
    const floor = 14;
    const config = parseConfig({
      out,
      models: [tiny.model],
      run: { targets: ['node'], backends: ['test-slow'], evalBudgetMs: BUDGET_MS, evalMinImages: floor, reuseEvaluations: false, warmupIterations: 0, minSamples: 2, minTimeMs: 0, maxTimeMs: 5000, rounds: 1 },
    });
    const { record } = await runBenchmarks({ config, log: memoryLogger(), out, targets: withSlow, referenceInProcess: true });
    const images = record.measurements.find((entry) => entry.key.runtime === 'test-slow')?.evaluation?.images ?? 0;
    // The budget (8 inferences' worth) ran out long before: the floor kept it going, and it stopped right after.
    assert.ok(images >= floor && images < IMAGES, `evaluated ${images} images with a floor of ${floor}`);
    assert.ok(images <= floor + 1, `stopped once past the floor: ${images}`);
  });
});
