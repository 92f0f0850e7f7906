/**
 * The A/B ratio from paired iteration times: A and B measured alternately
 * inside the same process, so whatever state that process landed in (thread
 * placement, clocks, a neighbour's load) hits both sides of a pair alike and
 * cancels in their ratio.
 *
 * Two levels: each process gives the median of its pairs' log-ratios
 * log(b/a) (one iteration hit by a collection pause or a neighbour's burst
 * moves a mean a lot and a median not at all: on this project's loaded
 * 2-core machine single TF.js iterations ran 10–20× their neighbours); the
 * estimate is the mean over processes. With two or more
 * processes its uncertainty is the spread of the process means (which
 * already holds the within-process noise, and also how far one process's
 * ratio drifts from another's: the part a single process cannot see). With
 * one process only the within-process spread is there to use: the mean of
 * its log-ratios with their standard error; successive iterations are not
 * fully independent, so such an interval is optimistic, and the estimate
 * says which level it came from.
 *
 * Pure: numbers in, plain data out.
 */
import { studentQuantileTwoSided, studentTwoSidedP } from './significance.ts';

/** One process's paired iteration times, in ms: `a[i]` and `b[i]` were timed back to back. */
export interface ProcessPairs {
  a: readonly number[];
  b: readonly number[];
}

export interface PairedEstimate {
  /** exp(mean log(b/a)): B's time relative to A's (1.05 = B 5% slower). */
  ratio: number;
  /** The confidence interval of the ratio. */
  low: number;
  high: number;
  /** Confidence of [low, high] (0.95 unless asked). */
  confidence: number;
  /** The log of `ratio` (mean over processes of each one's median log(b/a); with one process the mean of its log-ratios) and its standard error. */
  logRatio: number;
  standardError: number;
  /** Degrees of freedom of the standard error: processes − 1, or pairs − 1 with one process. */
  df: number;
  /** Two-sided p-value of "no change" (log-ratio 0), before any family-wise adjustment; null when nothing estimates the spread. */
  pValue: number | null;
  /** Where the spread came from: across processes (≥ 2) or within the only one. */
  level: 'processes' | 'pairs';
  processes: number;
  pairs: number;
}

/** Mean and sample variance (n − 1) of a non-empty list. */
function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, variance };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The B/A ratio of paired iteration times with its confidence interval
 * (Student's t on the log-ratios, two levels: see the file's comment).
 * Processes without pairs are skipped; at least one pair is needed.
 */
export function pairedRatio(processes: readonly ProcessPairs[], confidence = 0.95): PairedEstimate {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const logRatios: number[][] = [];
  for (const [index, { a, b }] of processes.entries()) {
    if (a.length !== b.length) throw new Error(`process ${index}: ${a.length} A times but ${b.length} B times; pairs need one of each`);
    if ([...a, ...b].some((value) => !(Number.isFinite(value) && value > 0))) throw new Error(`process ${index}: iteration times must be positive finite numbers`);
    if (a.length > 0) logRatios.push(a.map((value, pair) => Math.log(b[pair]! / value)));
  }
  const pairs = logRatios.reduce((sum, list) => sum + list.length, 0);
  if (pairs === 0) throw new Error('pairedRatio needs at least one pair');
  const level = logRatios.length >= 2 ? 'processes' : 'pairs';
  // Across processes: one value per process, its median; within the only process: every pair.
  const values = level === 'processes' ? logRatios.map(median) : logRatios[0]!;
  const { mean, variance } = meanAndVariance(values);
  const df = values.length - 1;
  const standardError = Math.sqrt(variance / values.length);
  const base = { ratio: Math.exp(mean), confidence, logRatio: mean, standardError, df, level, processes: logRatios.length, pairs } as const;
  if (df === 0) return { ...base, low: 0, high: Number.POSITIVE_INFINITY, pValue: null };
  if (standardError === 0) return { ...base, low: Math.exp(mean), high: Math.exp(mean), pValue: mean === 0 ? 1 : 0 };
  const half = studentQuantileTwoSided(1 - confidence, df) * standardError;
  return { ...base, low: Math.exp(mean - half), high: Math.exp(mean + half), pValue: studentTwoSidedP(mean / standardError, df) };
}
