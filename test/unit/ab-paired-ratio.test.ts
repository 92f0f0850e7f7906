/**
 * The paired B/A ratio and its interval, pinned against numpy/scipy
 * (values computed with numpy 2.4 and scipy 1.17: np.log, np.median, np.std(ddof=1),
 * scipy.stats.t.ppf / t.sf), at both levels: across processes and within
 * the only one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedRatio } from '../../harness/core/paired.ts';
import { studentQuantileTwoSided } from '../../harness/core/significance.ts';

const close = (actual: number, expected: number, tolerance = 1e-9) => assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${actual} is not ${expected}`);

test('the t quantile inverts the two-sided p-value (scipy.stats.t.ppf)', () => {
  close(studentQuantileTwoSided(0.05, 2), 4.302652729749462);
  close(studentQuantileTwoSided(0.01, 7.5), 3.421422688124044);
});

test('three processes: the mean of per-process median log-ratios, the interval from their spread (df 2)', () => {
  const estimate = pairedRatio([
    { a: [10, 11, 12, 10], b: [11, 12, 12.5, 11] },
    { a: [20, 19, 21], b: [21, 20.5, 22] },
    { a: [5, 5.5], b: [5.4, 5.6] },
  ]);
  assert.equal(estimate.level, 'processes');
  assert.equal(estimate.processes, 3);
  assert.equal(estimate.pairs, 9);
  assert.equal(estimate.df, 2);
  close(estimate.ratio, 1.0644734232553554);
  close(estimate.standardError, 0.014345182410187198);
  close(estimate.low, 1.0007581876517175);
  close(estimate.high, 1.1322452144766428);
  close(estimate.pValue!, 0.048881277929908255, 1e-7);
});

test('a spike in one iteration moves no process: its median log-ratio ignores it', () => {
  const calm = pairedRatio([
    { a: [10, 10, 10], b: [12, 12, 12] },
    { a: [10, 10, 10], b: [12, 12, 12] },
  ]);
  const spiked = pairedRatio([
    { a: [10, 250, 10], b: [12, 12, 12] },
    { a: [10, 10, 10], b: [12, 12, 300] },
  ]);
  close(spiked.ratio, calm.ratio);
  close(spiked.ratio, 1.2);
});

test('one process: the pairs themselves give the spread (df pairs − 1), at the confidence asked', () => {
  const estimate = pairedRatio([{ a: [10, 11, 12, 10], b: [11, 12, 12.5, 11] }], 0.9);
  assert.equal(estimate.level, 'pairs');
  assert.equal(estimate.df, 3);
  close(estimate.ratio, 1.0828683853339969);
  close(estimate.low, 1.05004928967494);
  close(estimate.high, 1.116713235736635);
  close(estimate.pValue!, 0.008901006382179803, 1e-7);
});

test('identical sides: ratio 1, p 1; a single pair has no spread, so no p-value', () => {
  const same = pairedRatio([{ a: [3, 4], b: [3, 4] }, { a: [5], b: [5] }]);
  assert.equal(same.ratio, 1);
  assert.equal(same.pValue, 1);
  const single = pairedRatio([{ a: [3], b: [4] }]);
  assert.equal(single.pValue, null);
  assert.equal(single.high, Number.POSITIVE_INFINITY);
});

test('unpaired or non-positive times are refused; empty processes are skipped', () => {
  assert.throws(() => pairedRatio([{ a: [1, 2], b: [1] }]), /pairs need one of each/);
  assert.throws(() => pairedRatio([{ a: [0], b: [1] }]), /positive finite/);
  assert.throws(() => pairedRatio([{ a: [], b: [] }]), /at least one pair/);
  assert.equal(pairedRatio([{ a: [], b: [] }, { a: [1, 2], b: [2, 4] }]).processes, 1);
});
