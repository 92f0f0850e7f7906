/**
 * Holds a run against a baseline, key by key. Pure: two records in, plain
 * data out; `bench compare` prints it and turns it into an exit code.
 *
 * A key is flagged only when the change is both large (past the ratio
 * threshold) and real (Mann-Whitney p < alpha on the raw samples), and in the
 * direction of the ranks. A change inside the threshold is "same", however
 * significant; a large change the samples cannot confirm is "inconclusive",
 * and so is every key whose sample sizes could never reach p < alpha.
 */
import { median } from 'simple-statistics';
import { RECORD_SCHEMA, keyId, measurementId, type Failure, type Measurement, type MeasurementKey, type RunRecord } from '../harness/core/record.ts';
import { mannWhitneyU } from '../harness/core/significance.ts';

export type Verdict = 'regressed' | 'improved' | 'same' | 'inconclusive';

export interface CompareOptions {
  /** Relative change of p50 below which a shift counts as the same (0.05 = 5%). */
  threshold: number;
  /** Significance level of the Mann-Whitney U test. */
  alpha: number;
  /** Top-1 accuracy drop, in percentage points, that is a regression. */
  accuracyDropPoints: number;
}

export interface LatencyComparison {
  verdict: Verdict;
  baselineP50: number;
  currentP50: number;
  /** current / baseline p50: above 1 is slower. */
  ratio: number;
  baselineSamples: number;
  currentSamples: number;
  /** Two-sided Mann-Whitney p-value; null when a record kept no raw samples. */
  pValue: number | null;
  method: 'exact' | 'normal' | null;
}

export interface AccuracyComparison {
  verdict: Exclude<Verdict, 'inconclusive'> | 'not-evaluated';
  /** Top-1 accuracy in [0, 1]. */
  baseline: number | null;
  current: number | null;
  /** (current − baseline) in percentage points. */
  deltaPoints: number | null;
}

export interface KeyComparison {
  /** Stable id of the key: keyId() plus the batch size. */
  id: string;
  key: MeasurementKey;
  batchSize: number;
  verdict: Verdict;
  /** Plain-words reasons behind the verdict. */
  reasons: string[];
  latency: LatencyComparison | null;
  accuracy: AccuracyComparison;
}

export interface RunRef {
  runId: string;
  startedAt: string;
  status: RunRecord['status'];
  git: RunRecord['git'] | null;
}

export type Comparison =
  | {
      comparable: true;
      baseline: RunRef;
      current: RunRef;
      options: CompareOptions;
      entries: KeyComparison[];
      /** Measured in the baseline only (and not failed now): not compared. */
      onlyInBaseline: string[];
      /** Measured in the current run only. */
      onlyInCurrent: string[];
      counts: Record<Verdict, number>;
    }
  | {
      comparable: false;
      baseline: RunRef;
      current: RunRef;
      reason: string;
    };

function ref(record: RunRecord): RunRef {
  return { runId: record.runId, startedAt: record.startedAt, status: record.status, git: record.git ?? null };
}

/** Why two records cannot be compared, or null when they can. */
export function incompatibility(baseline: RunRecord, current: RunRecord): string | null {
  for (const [role, record] of [['baseline', baseline], ['current', current]] as const) {
    if (record.schema !== RECORD_SCHEMA) {
      return `the ${role} record ${record.runId} has schema ${String(record.schema)}, this bench reads schema ${RECORD_SCHEMA}: not comparable`;
    }
  }
  const a = baseline.benchmark;
  const b = current.benchmark;
  if (a?.name !== b?.name || a?.version !== b?.version) {
    return `the records measure different benchmark definitions (baseline ${a?.name}@${a?.version}, current ${b?.name}@${b?.version}): not comparable`;
  }
  return null;
}

export function compareRecords(baseline: RunRecord, current: RunRecord, options: CompareOptions): Comparison {
  const reason = incompatibility(baseline, current);
  if (reason) return { comparable: false, baseline: ref(baseline), current: ref(current), reason };

  const before = new Map(baseline.measurements.map((entry) => [measurementId(entry), entry]));
  const now = new Map(current.measurements.map((entry) => [measurementId(entry), entry]));
  const failedNow = new Map<string, Failure>();
  for (const failure of current.failures) {
    // A failure has no batch size; it stands for every batch size of its key.
    for (const id of before.keys()) if (id.startsWith(`${keyId(failure.key)}#`) && !now.has(id)) failedNow.set(id, failure);
  }

  const entries: KeyComparison[] = [];
  const onlyInBaseline: string[] = [];
  for (const [id, old] of before) {
    const fresh = now.get(id);
    if (fresh) entries.push(compareMeasurements(id, old, fresh, options));
    else if (failedNow.has(id)) entries.push(failedEntry(id, old, failedNow.get(id)!));
    else onlyInBaseline.push(id);
  }
  const onlyInCurrent = [...now.keys()].filter((id) => !before.has(id));
  const counts: Record<Verdict, number> = { regressed: 0, improved: 0, same: 0, inconclusive: 0 };
  for (const entry of entries) counts[entry.verdict] += 1;
  return { comparable: true, baseline: ref(baseline), current: ref(current), options, entries, onlyInBaseline, onlyInCurrent, counts };
}

function failedEntry(id: string, old: Measurement, failure: Failure): KeyComparison {
  return {
    id,
    key: old.key,
    batchSize: old.batchSize,
    verdict: 'regressed',
    reasons: [`measured in the baseline, failed now in ${failure.phase}: ${failure.error.message}`],
    latency: null,
    accuracy: { verdict: 'not-evaluated', baseline: old.evaluation?.accuracy ?? null, current: null, deltaPoints: null },
  };
}

/** p50 of the raw samples when kept, else the recorded statistic. */
function p50(measurement: Measurement): number {
  return measurement.samples?.length ? median(measurement.samples) : measurement.latency.p50;
}

export function compareLatency(old: Measurement, fresh: Measurement, options: CompareOptions): { comparison: LatencyComparison; reason: string } {
  const baselineP50 = p50(old);
  const currentP50 = p50(fresh);
  const ratio = currentP50 / baselineP50;
  const change = `p50 ${formatMs(baselineP50)} → ${formatMs(currentP50)} ms (${formatChange(ratio)})`;
  const base = {
    baselineP50,
    currentP50,
    ratio,
    baselineSamples: old.samples?.length ?? 0,
    currentSamples: fresh.samples?.length ?? 0,
  };
  if (!old.samples?.length || !fresh.samples?.length) {
    return { comparison: { ...base, verdict: 'inconclusive', pValue: null, method: null }, reason: `${change}; no raw samples to test` };
  }
  const test = mannWhitneyU(fresh.samples, old.samples);
  const stats = { ...base, pValue: test.pValue, method: test.method };
  const pText = formatP(test.pValue);
  if (test.minPValue >= options.alpha) {
    return {
      comparison: { ...stats, verdict: 'inconclusive' },
      reason: `${change}; ${test.n1} vs ${test.n2} samples can never reach p < ${options.alpha}: take more samples`,
    };
  }
  const slower = ratio > 1 + options.threshold;
  const faster = ratio < 1 - options.threshold;
  if (!slower && !faster) {
    return { comparison: { ...stats, verdict: 'same' }, reason: `${change}, within ±${formatPercent(options.threshold)}` };
  }
  // The ranks must agree with the medians: more than half the pairs slower for a slowdown.
  const agrees = slower ? test.effect > 0.5 : test.effect < 0.5;
  if (test.pValue < options.alpha && agrees) {
    return { comparison: { ...stats, verdict: slower ? 'regressed' : 'improved' }, reason: `${change}, ${pText}` };
  }
  return { comparison: { ...stats, verdict: 'inconclusive' }, reason: `${change} but ${pText} (not below ${options.alpha})` };
}

export function compareAccuracy(old: Measurement, fresh: Measurement, options: CompareOptions): { comparison: AccuracyComparison; reason: string | null } {
  const before = old.evaluation;
  const after = fresh.evaluation;
  if (!before || !after) {
    return { comparison: { verdict: 'not-evaluated', baseline: before?.accuracy ?? null, current: after?.accuracy ?? null, deltaPoints: null }, reason: null };
  }
  // A job stopped by its evaluation budget may use fewer or more images than last time: judge the images both used.
  const common = Math.min(before.images, after.images);
  const samePrefix = before.images !== after.images && before.hits?.length === before.images && after.hits?.length === after.images && common > 0;
  const onPrefix = (hits: string) => [...hits.slice(0, common)].filter((hit) => hit === '1').length / common;
  const [baseline, current] = samePrefix ? [onPrefix(before.hits!), onPrefix(after.hits!)] : [before.accuracy, after.accuracy];
  const deltaPoints = (current - baseline) * 100;
  const values = { baseline, current, deltaPoints };
  const text = `accuracy ${formatPercent(baseline)} → ${formatPercent(current)} (${deltaPoints >= 0 ? '+' : '−'}${Math.abs(deltaPoints).toFixed(1)} points)`;
  const note = samePrefix ? ` on the first ${common} images both runs evaluated (${before.images} vs ${after.images})` : before.images !== after.images ? ` on ${before.images} vs ${after.images} images` : '';
  // Accuracy on a fixed evaluation pack is deterministic: no significance test, only the threshold.
  // A tiny epsilon keeps a drop of exactly the threshold (float noise aside) from counting.
  const epsilon = 1e-9;
  if (deltaPoints < -options.accuracyDropPoints - epsilon) return { comparison: { ...values, verdict: 'regressed' }, reason: `${text}${note}` };
  if (deltaPoints > options.accuracyDropPoints + epsilon) return { comparison: { ...values, verdict: 'improved' }, reason: `${text}${note}` };
  return { comparison: { ...values, verdict: 'same' }, reason: deltaPoints !== 0 || note ? `${text}${note}` : null };
}

function compareMeasurements(id: string, old: Measurement, fresh: Measurement, options: CompareOptions): KeyComparison {
  const latency = compareLatency(old, fresh, options);
  const accuracy = compareAccuracy(old, fresh, options);
  const verdicts = [latency.comparison.verdict, accuracy.comparison.verdict];
  // Precedence: any regression, then anything unknown, then any gain.
  const verdict: Verdict = verdicts.includes('regressed')
    ? 'regressed'
    : verdicts.includes('inconclusive')
      ? 'inconclusive'
      : verdicts.includes('improved')
        ? 'improved'
        : 'same';
  return {
    id,
    key: fresh.key,
    batchSize: fresh.batchSize,
    verdict,
    reasons: [latency.reason, ...(accuracy.reason ? [accuracy.reason] : [])],
    latency: latency.comparison,
    accuracy: accuracy.comparison,
  };
}

/** Exit code of `bench compare`: 0 nothing regressed, 1 a regression, 2 inconclusive under --strict, 3 not comparable. */
export function compareExitCode(comparison: Comparison, options: { strict?: boolean } = {}): number {
  if (!comparison.comparable) return 3;
  if (comparison.entries.length === 0) return 3;
  if (comparison.counts.regressed > 0) return 1;
  if (options.strict && comparison.counts.inconclusive > 0) return 2;
  return 0;
}

function formatMs(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function formatChange(ratio: number): string {
  const percent = (ratio - 1) * 100;
  return `${percent >= 0 ? '+' : '−'}${Math.abs(percent).toFixed(1)}%`;
}

function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function formatP(p: number): string {
  return p < 1e-12 ? 'p < 1e-12' : p < 0.0001 ? `p = ${p.toExponential(1)}` : `p = ${p.toFixed(4)}`;
}
