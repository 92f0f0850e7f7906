/**
 * Latency statistics pinned against values computed independently with
 * Python: numpy 2.4 (mean, std ddof=1, percentile with its default linear
 * method) and scipy.stats.t.ppf(0.975, df) for the confidence interval.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeLatencyStats, percentileSorted, tCritical95 } from '../../harness/core/stats.ts';

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${actual} should be within ${tolerance} of ${expected}`);

test('1..10: mean, sample sd, interpolated percentiles and rme at 95%', () => {
  const stats = computeLatencyStats([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  assert.equal(stats.samples, 10);
  assert.equal(stats.min, 1);
  assert.equal(stats.max, 10);
  close(stats.mean, 5.5);
  close(stats.sd, 3.0276503540974917);
  close(stats.p50, 5.5);
  close(stats.p90, 9.1);
  close(stats.p95, 9.55);
  close(stats.p99, 9.91);
  close(stats.rme, 39.37910163384314);
});

test('skewed samples with ties: percentiles as numpy.percentile', () => {
  const stats = computeLatencyStats([12.5, 3.25, 7.0, 7.0, 100.0]);
  close(stats.mean, 25.95);
  close(stats.sd, 41.52649756480794);
  close(stats.p50, 7.0);
  close(stats.p90, 65.0);
  close(stats.p95, 82.5);
  close(stats.p99, 96.5);
  close(stats.rme, 198.69732945682097);
});

test('40 lognormal samples: df 39 goes through the Cornish-Fisher expansion', () => {
  const samples = [
    5.496, 6.24, 7.919, 6.286, 10.285, 8.039, 12.503, 7.738, 8.119, 10.227, 6.649, 10.557, 5.632, 4.747, 5.817, 11.301, 8.111, 7.434, 6.142, 11.619,
    8.21, 11.982, 8.495, 11.025, 6.565, 6.999, 4.67, 7.859, 8.741, 6.645, 7.791, 5.68, 7.904, 10.258, 7.082, 8.874, 8.007, 11.705, 6.51, 6.091,
  ];
  const stats = computeLatencyStats(samples);
  close(stats.mean, 8.04885);
  close(stats.sd, 2.108825697651876);
  close(stats.p50, 7.8815);
  close(stats.p90, 11.3328);
  close(stats.p95, 11.71885);
  close(stats.p99, 12.29981);
  close(stats.rme, 8.379273779225292, 1e-7);
});

test('Student t critical values equal scipy.stats.t.ppf(0.975, df)', () => {
  const scipy: [number, number][] = [
    [1, 12.706204736174694],
    [2, 4.302652729749462],
    [7, 2.364624251592784],
    [30, 2.0422724563012378],
    [31, 2.039513446396408],
    [45, 2.014103388880846],
    [120, 1.9799304050824402],
  ];
  for (const [df, expected] of scipy) close(tCritical95(df), expected, 1e-7);
  assert.throws(() => tCritical95(0), RangeError);
});

test('one sample: no spread and no margin of error; the input is not reordered', () => {
  const samples = [4.2];
  const stats = computeLatencyStats(samples);
  assert.deepEqual(stats, { samples: 1, mean: 4.2, sd: 0, min: 4.2, max: 4.2, p50: 4.2, p90: 4.2, p95: 4.2, p99: 4.2, rme: 0 });
  const unsorted = [3, 1, 2];
  computeLatencyStats(unsorted);
  assert.deepEqual(unsorted, [3, 1, 2]);
});

test('percentile ends are the extremes; no samples is an error', () => {
  assert.equal(percentileSorted([1, 2, 4], 0), 1);
  assert.equal(percentileSorted([1, 2, 4], 1), 4);
  assert.equal(percentileSorted([1, 2, 4], 0.75), 3);
  assert.throws(() => computeLatencyStats([]), RangeError);
});
