/**
 * How a reused evaluation enters a measurement: an inference job takes it
 * whole, named after the run that made it; a retrain job's accuracy follows
 * it, and so does its divergence against the host's tolerance; a job that
 * evaluated itself only gets its fingerprint.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Evaluation, Measurement, RetrainNumbers } from '../../harness/core/record.ts';
import { stampEvaluation } from '../../harness/evaluation-reuse.ts';
import { measurement } from '../fixtures/report-records.ts';

const earlier: Evaluation = { images: 40, accuracy: 0.5, hits: '1'.repeat(20) + '0'.repeat(20), agreement: null, fingerprint: 'old', reusedFrom: 'run-0' };
const retrainNumbers: RetrainNumbers = {
  extraction: { images: 16, batchSize: 8, ms: 800, imagesPerSecond: 20 },
  training: { steps: 60, batchSize: 100, ms: 120, msPerStep: 2, finalLoss: 0.7 },
  timeToRetrainMs: 920,
  accuracy: null,
  host: { accuracy: 0.65, backend: 'tfjs-wasm', tolerance: 0.1 },
  diverged: false,
};

test('an inference job takes the reused evaluation, with this fingerprint and the run that first made it', () => {
  const own = { ...measurement({ samples: [1, 2] }), evaluation: null };
  const stamped = stampEvaluation(own, { fingerprint: 'f', reused: { evaluation: earlier, runId: 'run-0' } });
  assert.deepEqual(stamped.evaluation, { ...earlier, fingerprint: 'f', reusedFrom: 'run-0' });
  assert.deepEqual(stamped.samples, own.samples, 'latency is its own');
});

test("a retrain job's accuracy follows the reused evaluation, and falling past the host's tolerance is divergence", () => {
  const own: Measurement = { ...measurement({ samples: [2, 2] }), evaluation: null, retrain: retrainNumbers };
  const stamped = stampEvaluation(own, { fingerprint: 'f', reused: { evaluation: earlier, runId: 'run-0' } });
  assert.equal(stamped.retrain?.accuracy, 0.5);
  assert.equal(stamped.retrain?.diverged, true, '0.5 is more than 0.1 below the host\'s 0.65');
  const close = stampEvaluation(own, { fingerprint: 'f', reused: { evaluation: { ...earlier, accuracy: 0.6 }, runId: 'run-0' } });
  assert.deepEqual([close.retrain?.accuracy, close.retrain?.diverged], [0.6, false]);
});

test('a job that evaluated itself keeps its evaluation and gets the fingerprint; no plan leaves it as it is', () => {
  const own = { ...measurement({ samples: [1] }), evaluation: { images: 3, accuracy: 1, agreement: null } };
  assert.deepEqual(stampEvaluation(own, { fingerprint: 'f' }).evaluation, { images: 3, accuracy: 1, agreement: null, fingerprint: 'f' });
  assert.equal(stampEvaluation(own, undefined), own);
});
