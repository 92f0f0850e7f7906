/**
 * `bench compare` on the retrain workload: a retrain key is its own key (its
 * id ends in `+retrain`), never matched with the inference key of the same
 * model and runtime; slower training steps in every round are regressed, a
 * lower accuracy reached is regressed, a retrain job failing now is
 * regressed with its phase; and records from before workloads existed (keys
 * without one) still load and match today's inference keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyId, workloadOf, type Measurement } from '../../harness/core/record.ts';
import { checkRunRecord } from '../../harness/core/record-schema.ts';
import { compareRecords } from '../../reports/compare.ts';
import { earlierRuns, failure, measurement, record, roundLatencies } from '../fixtures/report-records.ts';

const options = { threshold: 0.05, alpha: 0.01, accuracyDropPoints: 1, correction: 'holm' } as const;

function retrainMeasurement(stepMs: number, seed: number, accuracy = 0.8): Measurement {
  const base = measurement({ model: 'mobilenet_v2', rounds: roundLatencies({ rounds: 5, center: stepMs, roundSpread: 0.02, seed }), accuracy, batchSize: 100 });
  return {
    ...base,
    key: { ...base.key, options: { batch: 100, steps: 60, images: 24 }, workload: 'retrain' },
    retrain: {
      extraction: { images: 24, batchSize: 8, ms: 900, imagesPerSecond: 26.7 },
      training: { steps: 60, batchSize: 100, ms: stepMs * 60, msPerStep: stepMs, finalLoss: 0.4 },
      timeToRetrainMs: 900 + stepMs * 60,
      accuracy,
      host: { accuracy: 0.8, backend: 'tfjs-wasm', tolerance: 0.1 },
      diverged: false,
    },
  };
}

function inferMeasurement(seed: number): Measurement {
  const base = measurement({ model: 'mobilenet_v2', rounds: roundLatencies({ rounds: 5, center: 30, roundSpread: 0.02, seed }) });
  return { ...base, key: { ...base.key, options: { batch: 100, steps: 60, images: 24 } } };
}

test('retrain keys are their own keys: 50% slower training steps are regressed, the inference key beside them is not', () => {
  const baseline = record({ runId: 'a', measurements: [inferMeasurement(1), retrainMeasurement(4, 2)] });
  const current = record({ runId: 'b', measurements: [inferMeasurement(3), retrainMeasurement(6, 4)] });
  const comparison = compareRecords(baseline, current, options, { history: earlierRuns(baseline) });
  assert.ok(comparison.comparable);
  assert.equal(comparison.entries.length, 2, 'same model, runtime and options, two workloads: two keys');
  const retrain = comparison.entries.find((entry) => workloadOf(entry.key) === 'retrain')!;
  const infer = comparison.entries.find((entry) => workloadOf(entry.key) === 'infer')!;
  assert.match(retrain.id, /\+retrain#batch=100$/);
  assert.doesNotMatch(infer.id, /retrain/);
  assert.equal(retrain.verdict, 'regressed', retrain.reasons.join('; '));
  assert.ok(retrain.latency!.ratio > 1.3 && retrain.latency!.ratio < 1.7, `ratio ${retrain.latency!.ratio}`);
  assert.notEqual(infer.verdict, 'regressed', infer.reasons.join('; '));
});

test('a lower accuracy reached by retraining is regressed; a retrain job failing now is regressed with its phase', () => {
  const baseline = record({ runId: 'a', measurements: [retrainMeasurement(4, 2, 0.8)] });
  const dropped = compareRecords(baseline, record({ runId: 'b', measurements: [retrainMeasurement(4, 5, 0.6)] }), options);
  assert.ok(dropped.comparable);
  assert.equal(dropped.entries[0]!.verdict, 'regressed');
  assert.equal(dropped.entries[0]!.accuracy.verdict, 'regressed');

  const failed = failure({ model: 'mobilenet_v2', format: 'tfjs', variant: 'float32', runtime: 'tfjs-wasm', message: 'injected failure in head training' });
  const failedNow = { ...failed, key: { ...failed.key, options: { batch: 100, steps: 60, images: 24 }, workload: 'retrain' as const }, phase: 'training' as const };
  const broken = compareRecords(baseline, record({ runId: 'c', failures: [failedNow] }), options);
  assert.ok(broken.comparable);
  assert.equal(broken.entries[0]!.verdict, 'regressed');
  assert.match(broken.entries[0]!.reasons[0]!, /failed now in training/);
});

test('a record from before workloads (keys without one) loads and matches today\'s inference keys', () => {
  const old = JSON.parse(JSON.stringify(record({ runId: 'a', measurements: [inferMeasurement(1)] })));
  delete old.measurements[0].key.workload;
  const check = checkRunRecord(old);
  assert.ok(check.ok, check.ok ? '' : check.problem);
  assert.equal(workloadOf(check.record.measurements[0]!.key), 'infer');
  const current = record({ runId: 'b', measurements: [inferMeasurement(3), retrainMeasurement(4, 2)] });
  const comparison = compareRecords(check.record, current, options);
  assert.ok(comparison.comparable);
  assert.equal(comparison.entries.length, 1, 'the old inference key matched the new one');
  assert.equal(keyId(comparison.entries[0]!.key), keyId(current.measurements[0]!.key));
  assert.deepEqual(comparison.onlyInCurrent.map((id) => id.includes('+retrain')), [true], 'the new retrain key is only in the current run');

  const bad = JSON.parse(JSON.stringify(current));
  bad.measurements[1].key.workload = 'fine-tune';
  const refused = checkRunRecord(bad);
  assert.ok(!refused.ok);
  assert.match(refused.problem, /measurements\[1\]\.key\.workload/);
});
