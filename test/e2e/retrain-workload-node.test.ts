/**
 * The retrain workload on Node tfjs-wasm, through `bench run`'s orchestrator:
 * extraction, head training and evaluation complete on a small training pack
 * and the head reaches the host's accuracy within the tolerance; a runtime
 * whose training throws fails that job only, in phase "training", while the
 * wasm job beside it is measured.
 */
import assert from 'node:assert/strict';
import { test, before } from 'node:test';
import { memoryLogger } from '../../harness/core/log.ts';
import { keyId, workloadOf } from '../../harness/core/record.ts';
import { checkRunRecord } from '../../harness/core/record-schema.ts';
import { readEvalPack } from '../../harness/core/eval-pack.ts';
import { trainPackDir } from '../../harness/core/layout.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { createNodeTarget, DEFAULT_RUNTIME_MODULE } from '../../targets/node/index.ts';
import { TRAINING_FAILURE } from '../fixtures/node-test-runtimes.ts';
import { retrainConfig, retrainFixture } from '../helpers/retrain-fixture.ts';

let out: string;

before(async () => {
  ({ out } = await retrainFixture());
});

test('tfjs-wasm retrains mobilenet_v2 on a small pack, reaching the host accuracy; a job whose training throws fails alone, in phase training', async () => {
  const config = retrainConfig(out, { run: { targets: ['node'], backends: ['tfjs-wasm', 'test-throws-in-training'] } });
  const testRuntimes = new URL('../fixtures/node-test-runtimes.ts', import.meta.url).href;
  const log = memoryLogger();
  const { record } = await runBenchmarks({ config, log, out, targets: { node: async () => createNodeTarget({ runtimeModules: [DEFAULT_RUNTIME_MODULE, testRuntimes] }) } });

  const pack = await readEvalPack(trainPackDir(out, 'mobilenet_v2'));
  assert.equal(pack.count, 10, 'the training pack holds retrainWorkload.images images');
  assert.equal(new Set(pack.labels.slice(0, pack.classNames.length)).size, pack.classNames.length, 'class round-robin: the first images cover every class');

  assert.equal(record.measurements.length, 1, log.lines.join('\n'));
  const measured = record.measurements[0]!;
  assert.equal(workloadOf(measured.key), 'retrain');
  assert.equal(measured.key.runtime, 'tfjs-wasm');
  assert.match(keyId(measured.key), /\+retrain$/);
  const retrain = measured.retrain!;
  assert.equal(retrain.extraction.images, 10);
  assert.ok(retrain.extraction.imagesPerSecond > 0 && Number.isFinite(retrain.extraction.imagesPerSecond));
  assert.equal(retrain.training.steps, 30);
  assert.equal(measured.samples.length, 30, 'one sample per training step');
  assert.ok(Math.abs(retrain.training.msPerStep - measured.samples.reduce((a, b) => a + b, 0) / 30) < 1e-9);
  assert.ok(Math.abs(retrain.timeToRetrainMs - (retrain.extraction.ms + retrain.training.ms)) < 1e-9);
  assert.ok(Number.isFinite(retrain.training.finalLoss));
  assert.equal(measured.evaluation?.images, 15);
  assert.equal(retrain.accuracy, measured.evaluation?.accuracy);
  assert.ok(retrain.host, 'the host retrain ran');
  // The fixture's retrain cached every bottleneck: the host's head trains on them, with no backbone inference.
  assert.match(retrain.host.backend, /on the bottleneck cache$/);
  assert.ok(Math.abs(retrain.accuracy! - retrain.host.accuracy) <= retrain.host.tolerance, `accuracy ${retrain.accuracy} vs host ${retrain.host.accuracy}`);
  assert.ok(retrain.accuracy! > 1 / pack.classNames.length, `the head learned something: ${retrain.accuracy} over ${pack.classNames.length} classes`);
  assert.equal(retrain.diverged, false);
  assert.ok((retrain.peakRuntimeBytes ?? 0) > 0, 'tf.memory() peak kept');

  assert.equal(record.failures.length, 1);
  const failure = record.failures[0]!;
  assert.equal(failure.key.runtime, 'test-throws-in-training');
  assert.equal(workloadOf(failure.key), 'retrain');
  assert.equal(failure.phase, 'training');
  assert.match(failure.error.message, new RegExp(TRAINING_FAILURE));

  const check = checkRunRecord(JSON.parse(JSON.stringify(record)));
  assert.ok(check.ok, check.ok ? '' : check.problem);
});
