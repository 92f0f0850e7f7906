/**
 * Latency statistics: one pure function over the raw samples. No Node APIs
 * (this folder is bundled into the browser page too).
 *
 * Definitions, so numbers compare with other tools:
 * - sd is the sample standard deviation (n − 1);
 * - percentiles interpolate linearly between order statistics (Hyndman & Fan
 *   type 7: numpy's default, tinybench's and Excel's PERCENTILE.INC);
 * - rme is the half-width of the 95% confidence interval of the mean
 *   (Student's t, n − 1 degrees of freedom) relative to the mean, in percent;
 *   0 for a single sample.
 */
import { mean as arithmeticMean, sampleStandardDeviation } from 'simple-statistics';
import type { LatencyStats } from './record.ts';

export type { LatencyStats };

/** Two-sided 95% critical values of Student's t (the 0.975 quantile) for 1–30 degrees of freedom. */
const T_975 = [
  12.706204736, 4.30265273, 3.182446305, 2.776445105, 2.570581836, 2.446911851, 2.364624252, 2.306004135, 2.262157163, 2.228138852,
  2.20098516, 2.17881283, 2.160368656, 2.144786688, 2.131449546, 2.119905299, 2.109815578, 2.10092204, 2.093024054, 2.085963447,
  2.079613845, 2.073873068, 2.06865761, 2.063898562, 2.059538553, 2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456,
];
const Z_975 = 1.959963984540054;

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom: the table
 * up to 30, then the Cornish–Fisher expansion around the normal quantile
 * (error below 1e-7 from df 30 on).
 */
export function tCritical95(df: number): number {
  if (!(df >= 1)) throw new RangeError(`degrees of freedom must be ≥ 1, got ${df}`);
  const whole = Math.floor(df);
  if (whole <= T_975.length) return T_975[whole - 1]!;
  const z = Z_975;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  const z9 = z ** 9;
  return (
    z +
    (z3 + z) / (4 * whole) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * whole ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * whole ** 3) +
    (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * whole ** 4)
  );
}

/** Percentile `p` in [0, 1] of ascending `sorted` samples, interpolated linearly (type 7). */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples');
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const lowValue = sorted[lower]!;
  return lowValue + (position - lower) * (sorted[upper]! - lowValue);
}

/**
 * The relative margin of error of a mean, in percent: the half-width of its
 * 95% confidence interval (Student's t, n − 1 degrees of freedom) over the
 * mean. 0 for a single sample, and for a zero mean (a timer too coarse for
 * the work), where it would be infinite and JSON cannot hold that.
 */
export function relativeMarginOfError(mean: number, sd: number, n: number): number {
  const moe = n > 1 ? (tCritical95(n - 1) * sd) / Math.sqrt(n) : 0;
  return mean > 0 ? (100 * moe) / mean : 0;
}

/** Statistics of latency samples in milliseconds (any order; the input is not modified). */
export function computeLatencyStats(samples: readonly number[]): LatencyStats {
  const n = samples.length;
  if (n === 0) throw new RangeError('latency statistics need at least one sample');
  const sorted = Float64Array.from(samples).sort();
  const values = Array.from(sorted);
  const mean = arithmeticMean(values);
  const sd = n > 1 ? sampleStandardDeviation(values) : 0;
  return {
    samples: n,
    mean,
    sd,
    min: values[0]!,
    max: values[n - 1]!,
    p50: percentileSorted(values, 0.5),
    p90: percentileSorted(values, 0.9),
    p95: percentileSorted(values, 0.95),
    p99: percentileSorted(values, 0.99),
    rme: relativeMarginOfError(mean, sd, n),
  };
}
