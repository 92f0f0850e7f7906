/**
 * The A/B verdict: per key, B's time relative to A's from paired iteration
 * times (harness/core/paired.ts), judged as `bench compare` judges a key
 * (the same states and family-wise adjustment, its own min effect and
 * alpha: config.ts's `ab`), and a key that
 * fails on B while A measured is a regression, and so is a key whose
 * accuracy or agreement drops on B (compare's points threshold). Pure: estimates in, plain
 * data out; the command prints it and turns it into an exit code.
 *
 * "Same" is stricter than compare's: the ratio's whole interval must lie
 * inside the min effect (a point estimate inside it with a wide interval is
 * inconclusive), since here the interval is measured, not assumed.
 *
 * No run-to-run noise is needed here, unlike compare: A and B share every
 * process, so the process's state cancels in each pair, and the spread
 * across processes is measured in this very run.
 */
import type { PairedEstimate } from '../harness/core/paired.ts';
import { adjustPValues, type Correction } from '../harness/core/significance.ts';
import type { Evaluation } from '../harness/core/record.ts';
import { compareAccuracy, type AccuracyComparison, type Verdict } from './compare.ts';

export interface AbOptions {
  /** Relative change of the ratio inside which a key is the same (0.02 = ±2%); a regression lies past it. */
  minEffect: number;
  /** Top-1 accuracy (or agreement) drop of B from A, in percentage points, that is a regression (compare's setting; default 1). */
  accuracyDropPoints?: number;
  /** Family-wise significance level across the keys tested. */
  alpha: number;
  /** Adjustment across the keys (default holm, as compare). */
  correction?: Correction;
}

/** What one key's paired measurement gave: an estimate, or a failure on one side or both. */
export type AbKeyInput = { key: string; estimate: PairedEstimate; evaluation?: SideEvaluations } | { key: string; failed: 'a' | 'b' | 'both'; message: string };

/** Each side's accuracy and agreement, evaluated after the pairs (null: that side evaluated nothing). */
export type SideEvaluations = Record<'a' | 'b', Evaluation | null>;

/** B's accuracy and agreement against A's. */
export interface AbQuality {
  accuracy: AccuracyComparison;
  /** Top-1 agreement of each side with its own reference, in [0, 1]; null where a side had none. */
  agreement: { a: number | null; b: number | null; deltaPoints: number | null; verdict: AccuracyComparison['verdict'] };
}

export interface AbKeyVerdict {
  key: string;
  verdict: Verdict;
  /** Absent for a key that failed on a side. */
  estimate?: PairedEstimate;
  /** Accuracy and agreement of B against A, when both were evaluated. */
  quality?: AbQuality;
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
    const speed = judge(input.key, input.estimate, adjustedOf.get(index) ?? null, options);
    return input.evaluation ? withQuality(speed, input.evaluation, options.accuracyDropPoints ?? 1) : speed;
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
  const inside = (ratio: number) => ratio <= 1 + options.minEffect && ratio >= 1 - options.minEffect;
  // Unlike compare, the pairs give an interval: "same" is claimed only when all of it lies inside the min effect.
  if (inside(estimate.ratio)) {
    if (inside(estimate.low) && inside(estimate.high)) return { ...base, verdict: 'same', reason: `${change}, all within ±${percent(options.minEffect)}` };
    return { ...base, verdict: 'inconclusive', reason: `${change}: inside ±${percent(options.minEffect)} but its interval reaches past it; more processes would decide it` };
  }
  if (adjustedP < options.alpha) return { ...base, verdict: estimate.ratio > 1 ? 'regressed' : 'improved', reason: `${change}, adjusted p = ${adjustedP.toPrecision(2)}` };
  return { ...base, verdict: 'inconclusive', reason: `${change} but adjusted p = ${adjustedP.toPrecision(2)} (not below ${options.alpha}): more processes would decide it` };
}

/**
 * Accuracy and agreement of B against A, judged as compare judges accuracy
 * (a drop past the points threshold is a regression, no test: a fixed pack
 * gives the same answer every time). A drop in either makes the key
 * regressed whatever its speed; a gain never hides a slowdown.
 */
function withQuality(speed: AbKeyVerdict, evaluation: SideEvaluations, dropPoints: number): AbKeyVerdict {
  const accuracy = compareAccuracy({ evaluation: evaluation.a }, { evaluation: evaluation.b }, { accuracyDropPoints: dropPoints });
  const a = evaluation.a?.agreement?.top1 ?? null;
  const b = evaluation.b?.agreement?.top1 ?? null;
  const deltaPoints = a !== null && b !== null ? (b - a) * 100 : null;
  const agreementVerdict: AccuracyComparison['verdict'] = deltaPoints === null ? 'not-evaluated' : deltaPoints < -dropPoints - 1e-9 ? 'regressed' : deltaPoints > dropPoints + 1e-9 ? 'improved' : 'same';
  const quality: AbQuality = { accuracy: accuracy.comparison, agreement: { a, b, deltaPoints, verdict: agreementVerdict } };
  const drops = [
    ...(accuracy.comparison.verdict === 'regressed' ? [accuracy.reason ?? 'accuracy dropped'] : []),
    ...(agreementVerdict === 'regressed' ? [`agreement ${percent(a!)} → ${percent(b!)} (−${Math.abs(deltaPoints!).toFixed(1)} points)`] : []),
  ];
  if (drops.length) return { ...speed, quality, verdict: 'regressed', reason: `${drops.join('; ')}, past ${dropPoints} point${dropPoints === 1 ? '' : 's'}; speed: ${speed.reason}` };
  const note = accuracy.comparison.verdict === 'not-evaluated' ? '' : `; ${accuracy.reason ?? `accuracy ${percent(accuracy.comparison.current!)} on both sides`}`;
  return { ...speed, quality, reason: `${speed.reason}${note}` };
}

/** Exit code of an A/B run, as `bench compare`'s: 0 nothing regressed, 1 a regression, 2 inconclusive under strict. */
export function abExitCode(verdict: AbVerdict, options: { strict?: boolean } = {}): 0 | 1 | 2 {
  if (verdict.counts.regressed > 0) return 1;
  if (options.strict && verdict.counts.inconclusive > 0) return 2;
  return 0;
}
