/**
 * A job's measurement from its rounds: pooled samples and statistics,
 * medians of the per-round load and first inference, the evaluation of the
 * round that evaluated, every round kept; and the round medians every reader
 * takes, with a record from before rounds read as one round.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeLatencyStats } from '../../harness/core/stats.ts';
import { mergeRounds, roundMedians } from '../../harness/core/rounds.ts';
import { measurement } from '../fixtures/report-records.ts';

function round(samples: number[], loadMs: number, evaluated: boolean, peak: number, at: string) {
  const base = measurement({ samples, loadMs, firstInferenceMs: loadMs / 10, accuracy: evaluated ? 0.9 : null, peakRssBytes: peak });
  return { ...base, startedAt: `${at}:00.000Z`, finishedAt: `${at}:30.000Z` };
}

test('mergeRounds pools samples, takes medians of load and first inference, the evaluating round, the highest peak', () => {
  const rounds = [
    { round: 1, measurement: round([10, 11, 12], 300, true, 400e6, '2025-01-01T00:01') },
    { round: 2, measurement: round([20, 21], 100, false, 500e6, '2025-01-01T00:02') },
    { round: 3, measurement: round([15, 16, 14, 13], 200, false, 450e6, '2025-01-01T00:03') },
  ];
  const merged = mergeRounds(rounds);
  assert.deepEqual(merged.samples, [10, 11, 12, 20, 21, 15, 16, 14, 13]);
  assert.deepEqual(merged.latency, computeLatencyStats(merged.samples));
  assert.equal(merged.loadMs, 200);
  assert.equal(merged.firstInferenceMs, 20);
  assert.deepEqual(merged.warmup, { iterations: 15, ms: 150 });
  assert.equal(merged.evaluation?.accuracy, 0.9);
  assert.equal(merged.memory.peakRssBytes, 500e6);
  assert.ok(Math.abs(merged.throughput - 1000 / merged.latency.mean) < 1e-9);
  assert.equal(merged.startedAt, '2025-01-01T00:01:00.000Z');
  assert.equal(merged.finishedAt, '2025-01-01T00:03:30.000Z');
  assert.deepEqual(merged.rounds!.map((entry) => [entry.round, entry.samples, entry.loadMs, entry.latency.p50]), [
    [1, [10, 11, 12], 300, 11],
    [2, [20, 21], 100, 20.5],
    [3, [15, 16, 14, 13], 200, 14.5],
  ]);
  assert.deepEqual(roundMedians(merged), [11, 20.5, 14.5]);
});

test('a record from before rounds reads as one round: the median of its samples (or its p50 without samples)', () => {
  const old = measurement({ samples: [3, 1, 2, 10] });
  assert.equal(old.rounds, undefined);
  assert.deepEqual(roundMedians(old), [2.5]);
  assert.deepEqual(roundMedians({ ...old, samples: [] }), [old.latency.p50]);
  assert.throws(() => mergeRounds([]), /at least one round/);
});
