/**
 * The A/B verdict: per key, B's time relative to A's from paired iteration
 * times (harness/core/paired.ts), judged as `bench compare` judges a key
 * (the same states, threshold and family-wise adjustment), and a key that
 * fails on B while A measured is a regression. Pure: estimates in, plain
 * data out; the command prints it and turns it into an exit code.
 *
 * "Same" is stricter than compare's: the ratio's whole interval must lie
 * inside the threshold (a point estimate inside it with a wide interval is
 * inconclusive), since here the interval is measured, not assumed.
 *
 * No run-to-run noise is needed here, unlike compare: A and B share every
 * process, so the process's state cancels in each pair, and the spread
 * across processes is measured in this very run.
 */
import type { PairedEstimate } from '../harness/core/paired.ts';
import { adjustPValues, type Correction } from '../harness/core/significance.ts';
import type { Verdict } from './compare.ts';

export interface AbOptions {
  /** Relative change of the ratio inside which a key is the same (0.05 = ±5%). */
  threshold: number;
  /** Family-wise significance level across the keys tested. */
  alpha: number;
  /** Adjustment across the keys (default holm, as compare). */
  correction?: Correction;
}

/** What one key's paired measurement gave: an estimate, or a failure on one side or both. */
export type AbKeyInput = { key: string; estimate: PairedEstimate } | { key: string; failed: 'a' | 'b' | 'both'; message: string };

export interface AbKeyVerdict {
  key: string;
  verdict: Verdict;
  /** Absent for a key that failed on a side. */
  estimate?: PairedEstimate;
  /** The p-value adjusted across the keys that have one; null when not tested. */
  adjustedP: number | null;
  /** One line saying why. */
  reason: string;
}

export interface AbVerdict {
  keys: AbKeyVerdict[];
  counts: Record<Verdict, number>;
  /** Keys whose p-values were adjusted together. */
  family: number;
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const signed = (ratio: number) => `${ratio >= 1 ? '+' : '−'}${percent(Math.abs(ratio - 1))}`;

export function abVerdict(inputs: readonly AbKeyInput[], options: AbOptions): AbVerdict {
  const tested = inputs.flatMap((input, index) => ('estimate' in input && input.estimate.pValue !== null ? [{ index, p: input.estimate.pValue }] : []));
  const adjusted = adjustPValues(
    tested.map(({ p }) => p),
    options.correction ?? 'holm',
  );
  const adjustedOf = new Map(tested.map(({ index }, position) => [index, adjusted[position]!]));
  const keys = inputs.map((input, index): AbKeyVerdict => {
    if (!('estimate' in input)) {
      const verdict: Verdict = input.failed === 'b' ? 'regressed' : 'inconclusive';
      const what = input.failed === 'b' ? 'failed on B, not on A' : input.failed === 'a' ? 'failed on A (the baseline), so nothing to hold B against' : 'failed where no side can be named (a crash, a timeout, the target)';
      return { key: input.key, verdict, adjustedP: null, reason: `${what}: ${input.message}` };
    }
    return judge(input.key, input.estimate, adjustedOf.get(index) ?? null, options);
  });
  const counts: Record<Verdict, number> = { regressed: 0, improved: 0, same: 0, inconclusive: 0 };
  for (const key of keys) counts[key.verdict] += 1;
  return { keys, counts, family: tested.length };
}

function judge(key: string, estimate: PairedEstimate, adjustedP: number | null, options: AbOptions): AbKeyVerdict {
  const interval = estimate.pValue === null ? 'no interval' : `${percent(estimate.confidence)} interval ${estimate.low.toFixed(3)}–${estimate.high.toFixed(3)}`;
  const change = `B/A ${estimate.ratio.toFixed(3)} (${signed(estimate.ratio)}, ${interval}, ${estimate.pairs} pairs in ${estimate.processes} process${estimate.processes === 1 ? '' : 'es'})`;
  const base = { key, estimate, adjustedP };
  if (adjustedP === null) return { ...base, verdict: 'inconclusive', reason: `${change}: one pair or one process cannot tell its spread; measure more pairs or processes` };
  const inside = (ratio: number) => ratio <= 1 + options.threshold && ratio >= 1 - options.threshold;
  // Unlike compare, the pairs give an interval: "same" is claimed only when all of it lies inside the threshold.
  if (inside(estimate.ratio)) {
    if (inside(estimate.low) && inside(estimate.high)) return { ...base, verdict: 'same', reason: `${change}, all within ±${percent(options.threshold)}` };
    return { ...base, verdict: 'inconclusive', reason: `${change}: inside ±${percent(options.threshold)} but its interval reaches past it; more processes would decide it` };
  }
  if (adjustedP < options.alpha) return { ...base, verdict: estimate.ratio > 1 ? 'regressed' : 'improved', reason: `${change}, adjusted p = ${adjustedP.toPrecision(2)}` };
  return { ...base, verdict: 'inconclusive', reason: `${change} but adjusted p = ${adjustedP.toPrecision(2)} (not below ${options.alpha}): more processes would decide it` };
}

/** Exit code of an A/B run, as `bench compare`'s: 0 nothing regressed, 1 a regression, 2 inconclusive under strict. */
export function abExitCode(verdict: AbVerdict, options: { strict?: boolean } = {}): 0 | 1 | 2 {
  if (verdict.counts.regressed > 0) return 1;
  if (options.strict && verdict.counts.inconclusive > 0) return 2;
  return 0;
}
