/**
 * `compareRecords` on constructed records with known shifts, measured in
 * rounds: the verdict per key (regressed, improved, same, inconclusive), a
 * key that failed now, keys in one run only, and records that cannot be
 * compared. The command's exit codes and output: test/unit/compare-exit-codes.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../harness/core/record.ts';
import { compareExitCode, compareRecords, type Comparison } from '../../reports/compare.ts';
import { earlierRuns, failure, latencies, measurement, record, roundLatencies } from '../fixtures/report-records.ts';

const options = { threshold: 0.05, alpha: 0.01, accuracyDropPoints: 1, correction: 'holm' } as const;

function only(comparison: Comparison) {
  assert.ok(comparison.comparable, 'records should be comparable');
  assert.equal(comparison.entries.length, 1);
  return comparison.entries[0]!;
}

/** Five rounds of 30 samples around `center`, rounds scattered ±3%. */
const rounds = (center: number, seed: number) => roundLatencies({ rounds: 5, center, roundSpread: 0.03, seed });

/** The 20 earlier runs a CI folder keeps (compare.history), of the same distribution as `like`. */
const history20 = (like: RunRecord, roundSpread = 0.03, seed = 7) => earlierRuns(like, { count: 20, roundSpread, runSpread: 0, seed });

/** Baseline and current of one key, compared with the earlier runs of the baseline's level. */
function compareWithHistory(baselineRounds: number[][], currentRounds: number[][], history = history20(record({ runId: 'a', measurements: [measurement({ rounds: baselineRounds })] }))) {
  return compareRecords(record({ runId: 'a', measurements: [measurement({ rounds: baselineRounds })] }), record({ runId: 'b', measurements: [measurement({ rounds: currentRounds })] }), options, { history });
}

test('a 20% slowdown over 5 rounds each is a regression', () => {
  const entry = only(compareWithHistory(rounds(10, 1), rounds(12, 2)));
  assert.equal(entry.verdict, 'regressed');
  assert.ok(entry.latency!.ratio > 1.1 && entry.latency!.ratio < 1.3, `ratio ${entry.latency!.ratio}`);
  assert.ok(entry.latency!.pValue! < 1e-3);
  assert.equal(entry.latency!.method, 'rounds');
  assert.equal(entry.latency!.noise.source, 'history');
  assert.ok(entry.latency!.df! > 8, `df ${entry.latency!.df}: the earlier runs' rounds add to the pair's 8`);
});

test('a 20% speed-up over 5 rounds each is an improvement', () => {
  assert.equal(only(compareWithHistory(rounds(10, 3), rounds(8, 4))).verdict, 'improved');
});

test('identical rounds, and independent draws of the same rounds distribution, are the same', () => {
  const same = rounds(10, 5);
  const identical = only(compareRecords(record({ runId: 'a', measurements: [measurement({ rounds: same })] }), record({ runId: 'b', measurements: [measurement({ rounds: same.map((round) => [...round]) })] }), options));
  assert.equal(identical.verdict, 'same');
  assert.equal(identical.latency!.ratio, 1);
  assert.equal(identical.latency!.pValue, 1);
  // Independent draws with earlier runs of the same distribution: flagged no more often than alpha allows (0.01: about 2 of 200 pairs).
  let changed = 0;
  for (let seed = 100; seed < 300; seed += 1) {
    const draw = (offset: number) => roundLatencies({ rounds: 3, center: 10, roundSpread: 0.1, seed: seed + offset });
    const history = history20(record({ runId: 'a', measurements: [measurement({ rounds: draw(0) })] }), 0.1, seed);
    const entry = only(compareWithHistory(draw(0), draw(1000), history));
    if (entry.verdict === 'regressed' || entry.verdict === 'improved') changed += 1;
  }
  assert.ok(changed <= 4, `${changed} of 200 same-distribution pairs flagged at alpha 0.01`);
});

test('hundreds of samples from one process each cannot flag a key: one round is inconclusive', () => {
  // The pre-rounds gate called this a regression (Mann-Whitney p ≈ 0 on 300 samples each).
  const entry = only(compareRecords(record({ runId: 'a', measurements: [measurement({ samples: latencies(300, 10, 0.1, 1) })] }), record({ runId: 'b', measurements: [measurement({ samples: latencies(300, 12, 0.1, 2) })] }), options));
  assert.equal(entry.verdict, 'inconclusive');
  assert.match(entry.reasons[0]!, /nothing measures its noise/);
});

test('an accuracy drop past the threshold is a regression; a smaller one is not', () => {
  const samples = latencies(30, 10, 0.1, 9);
  const run = (accuracy: number) => record({ runId: `acc-${accuracy}`, measurements: [measurement({ samples, accuracy })] });
  const dropped = only(compareRecords(run(0.925), run(0.9), options));
  assert.equal(dropped.verdict, 'regressed');
  assert.equal(dropped.accuracy.verdict, 'regressed');
  assert.ok(Math.abs(dropped.accuracy.deltaPoints! + 2.5) < 1e-9);
  assert.equal(only(compareRecords(run(0.925), run(0.92), options)).verdict, 'same');
  assert.equal(only(compareRecords(run(0.925), run(0.915), options)).verdict, 'same', 'exactly the threshold is not past it');
});

test('a key measured in the baseline that fails now is a regression; keys in one run only are listed, not compared', () => {
  const baseline = record({
    runId: 'a',
    measurements: [measurement({ samples: latencies(30, 10) }), measurement({ format: 'tflite', variant: 'int8', samples: latencies(30, 5) }), measurement({ runtime: 'tfjs-cpu', samples: latencies(30, 90) })],
  });
  const current = record({
    runId: 'b',
    measurements: [measurement({ samples: latencies(30, 10, 0.1, 2) }), measurement({ format: 'tflite', variant: 'float16', samples: latencies(30, 6) })],
    failures: [failure({ format: 'tflite', variant: 'int8', runtime: 'tflite-node', message: 'segfault in XNNPACK' })],
  });
  const comparison = compareRecords(baseline, current, options);
  assert.ok(comparison.comparable);
  const failed = comparison.entries.find((entry) => entry.key.variant === 'int8');
  assert.equal(failed?.verdict, 'regressed');
  assert.match(failed!.reasons[0]!, /segfault in XNNPACK/);
  assert.deepEqual(comparison.onlyInBaseline, ['tiny/tfjs/float32@node:host/tfjs-cpu#batch=1']);
  assert.deepEqual(comparison.onlyInCurrent, ['tiny/tflite/float16@node:host/tflite-node#batch=1']);
  assert.equal(compareExitCode(comparison), 1);
});

test('records of another schema or another benchmark definition are not comparable', () => {
  const samples = latencies(30, 10);
  const ours = record({ runId: 'a', measurements: [measurement({ samples })] });
  const otherSchema = compareRecords(record({ runId: 'b', schema: 2, measurements: [measurement({ samples })] }), ours, options);
  assert.equal(otherSchema.comparable, false);
  assert.match(otherSchema.comparable ? '' : otherSchema.reason, /schema 2/);
  const otherBench = compareRecords(record({ runId: 'b', benchmark: { name: 'edgebench', version: 2 }, measurements: [measurement({ samples })] }), ours, options);
  assert.equal(otherBench.comparable, false);
  assert.equal(compareExitCode(otherBench), 3);
});
