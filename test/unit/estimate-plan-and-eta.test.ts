/**
 * Estimates before and during a run: a job's duration from earlier runs (the
 * latest wins), from a one-inference probe within the kernel's bounds, the
 * ETA from what is left, and durations in words.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationsFromHistory, estimateFromProbe, Eta, formatDuration, planId } from '../../harness/estimate.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { measurement } from '../fixtures/report-records.ts';

test('history: each job’s wall time in the latest run that measured it', () => {
  const older = { ...measurement({ samples: [1, 2, 3] }), startedAt: '2025-01-01T00:00:00.000Z', finishedAt: '2025-01-01T00:00:30.000Z' };
  const newer = { ...older, startedAt: '2025-01-02T00:00:00.000Z', finishedAt: '2025-01-02T00:00:12.500Z' };
  const durations = durationsFromHistory([{ measurements: [older] }, { measurements: [newer] }] as unknown as RunRecord[]);
  const id = planId({ artifact: older.artifact, target: older.key.target, device: older.key.device, runtime: older.key.runtime, batchSize: 1 });
  assert.equal(durations.get(id), 12.5);
  assert.equal(durations.size, 1);
});

test('history: a job measured in rounds took the sum of its rounds, not the span from its first round to its last', () => {
  const base = measurement({ samples: [1, 2, 3] });
  const round = (n: number, start: string, end: string) => ({ round: n, startedAt: start, finishedAt: end, loadMs: 1, firstInferenceMs: 1, warmup: { iterations: 1, ms: 1 }, latency: base.latency, samples: [1], memory: {} });
  // Three rounds of 4 s each, interleaved with other jobs' rounds over ten minutes.
  const interleaved = {
    ...base,
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:10:00.000Z',
    rounds: [round(1, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:04.000Z'), round(2, '2025-01-01T00:05:00.000Z', '2025-01-01T00:05:04.000Z'), round(3, '2025-01-01T00:09:56.000Z', '2025-01-01T00:10:00.000Z')],
  };
  const durations = durationsFromHistory([{ measurements: [interleaved] }] as unknown as RunRecord[]);
  assert.deepEqual([...durations.values()], [12]);
});

test('probe: start-up plus warm-up, loop and evaluation within their bounds', () => {
  const kernel = { warmupIterations: 5, warmupMaxMs: 2000, minSamples: 20, minTimeMs: 2000, maxTimeMs: 20000, batchSize: 1, evalBudgetMs: 15000 };
  // A fast runtime: 10 ms per image; 88 images take 0.88 s, within the budget; the loop runs its 2 s.
  assert.equal(estimateFromProbe({ wallMs: 3000, inferenceMs: 10 }, kernel, 88), (3000 + 50 + 2000 + 880) / 1000);
  // A slow one: 5 s per image; warm-up stops at its bound, the loop at maxTime, evaluation at the budget.
  assert.equal(estimateFromProbe({ wallMs: 12000, inferenceMs: 5000 }, kernel, 88), (12000 + 5000 + 20000 + 15000) / 1000);
  assert.equal(estimateFromProbe({ wallMs: 1000, inferenceMs: 10 }, { ...kernel, evaluate: false }, 88), (1000 + 50 + 2000) / 1000);
});

test('ETA: estimates of the jobs left, the mean of those done for the ones without', () => {
  const eta = new Eta([10, undefined, 30, undefined]);
  assert.equal(eta.remainingSeconds(), undefined, 'nothing tells yet');
  eta.done(1, 20);
  assert.equal(eta.remainingSeconds(), 10 + 30 + 20, 'no estimated job done yet: the estimates as they are');
  eta.done(3, 40);
  assert.equal(eta.remainingSeconds(), 10 + 30);
});

test('ETA: corrected as jobs finish, by what the jobs done took against their estimates', () => {
  const eta = new Eta([10, 20, 30, undefined]);
  assert.equal(eta.remainingSeconds(), undefined, 'the job without an estimate: nothing tells yet');
  // Twice as slow as estimated: every estimate left doubles; the job without one counts the mean done.
  eta.done(0, 20);
  assert.equal(eta.correction(), 2);
  assert.equal(eta.remainingSeconds(), 2 * 20 + 2 * 30 + 20);
  // Then one as estimated: (20 + 20) / (10 + 20).
  eta.done(1, 20);
  assert.equal(eta.remainingSeconds(), (40 / 30) * 30 + 20);
});

test('durations in words', () => {
  assert.equal(formatDuration(4.4), '4 s');
  assert.equal(formatDuration(59.6), '1 min');
  assert.equal(formatDuration(479.7), '8 min');
  assert.equal(formatDuration(125), '2 min 5 s');
  assert.equal(formatDuration(3 * 3600 + 20 * 60), '3 h 20 min');
});
