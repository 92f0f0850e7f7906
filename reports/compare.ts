/**
 * Holds a run against a baseline, key by key. Pure: records in, plain data
 * out; `bench compare` prints it and turns it into an exit code.
 *
 * Latency is decided on rounds, never on pooled samples: the hundreds of
 * samples of one process share its thread placement, clocks and neighbours,
 * which a run samples only once. The evidence is the round medians of each
 * run (each round a fresh process or page), tested with their between-round
 * spread plus the run-to-run noise known from earlier runs or an A/A
 * calibration (see harness/core/significance.ts roundsTest).
 *
 * A key is flagged only when the change is both large (past the threshold
 * and past its noise floor) and real (its p-value, adjusted across all the
 * keys of the comparison by Holm or Benjamini-Hochberg, below alpha), and
 * only once earlier runs or a calibration measure how far whole runs move:
 * two runs alone cannot tell a change from the machine. A change inside the
 * threshold or the noise floor is "same"; a larger one the evidence cannot
 * confirm is "inconclusive", saying what would decide it.
 */
import { RECORD_SCHEMA, keyId, measurementId, workloadOf, type Failure, type Measurement, type MeasurementKey, type RunRecord } from '../harness/core/record.ts';
import { roundMedians } from '../harness/core/rounds.ts';
import { adjustPValues, roundsNeeded, roundsTest, type Correction, type RoundsTestResult } from '../harness/core/significance.ts';
import { energyHistory, energyView } from './energy-compare.ts';
import { coefficientOfVariation, estimateNoise, MIN_RUNS_FOR_RUN_NOISE, noiseFloor, sameMachine, type NoiseCalibration, type NoiseEstimate } from './noise.ts';

export type Verdict = 'regressed' | 'improved' | 'same' | 'inconclusive';

export interface CompareOptions {
  /** Relative change of p50 below which a shift counts as the same (0.05 = 5%). */
  threshold: number;
  /** Family-wise significance level across the keys of the comparison. */
  alpha: number;
  /** Top-1 accuracy drop, in percentage points, that is a regression. */
  accuracyDropPoints: number;
  /** Adjustment of the p-values for the number of keys (default holm). */
  correction?: Correction;
}

/** Where each key's run-to-run noise comes from, besides the two runs compared. */
export interface NoiseSources {
  /** Earlier runs (oldest first); only those on the same machine as the current run count. */
  history?: readonly RunRecord[];
  /** An A/A calibration (`bench calibrate`); used for the keys it has when made on the same machine and benchmark. */
  calibration?: NoiseCalibration | null;
}

export interface KeyNoise {
  /** Spread of round medians inside a run (coefficient of variation); null with one round each and no other source. */
  roundCv: number | null;
  /** Run-to-run spread of a run's level beyond its rounds, at its 95% upper bound (what the test holds a change against); null when unknown (no calibration, fewer than 4 earlier runs). */
  runCv: number | null;
  /** Where the run-to-run part came from. */
  source: 'calibration' | 'history' | 'none';
  /** Runs behind the run-to-run estimate. */
  runs: number;
  /** The change two runs of the same code stay inside 95% of the time, relative; null when unknown. */
  floor: number | null;
}

export interface LatencyComparison {
  verdict: Verdict;
  /** Geometric mean of the round medians, ms. */
  baselineP50: number;
  currentP50: number;
  /** current / baseline: above 1 is slower. */
  ratio: number;
  rounds: { baseline: number; current: number };
  baselineSamples: number;
  currentSamples: number;
  /** Two-sided p-value of the rounds test; null when nothing measures the between-round noise. */
  pValue: number | null;
  /** The p-value adjusted across the keys of the comparison (see Comparison.correction). */
  adjustedP: number | null;
  /** Degrees of freedom of the test. */
  df: number | null;
  method: 'rounds' | null;
  noise: KeyNoise;
  /** For an inconclusive key: rounds per run that would decide a change of this size (null: more rounds cannot). */
  roundsNeeded: number | null;
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
  /** Energy per inference, decided as latency is (p50 read as mJ per inference); absent where either run has no energy figure. */
  energy?: LatencyComparison;
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
      /** The adjustment applied across `family` keys, so the output can state it. */
      correction: Correction;
      /** Keys whose latency got a p-value: the family the adjustment spans. */
      family: number;
      /** What the run-to-run noise was estimated from. */
      noiseSources: { historyRuns: number; calibration: { createdAt: string; runs: number } | null };
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

export function compareRecords(baseline: RunRecord, current: RunRecord, options: CompareOptions, sources: NoiseSources = {}): Comparison {
  const reason = incompatibility(baseline, current);
  if (reason) return { comparable: false, baseline: ref(baseline), current: ref(current), reason };
  const correction = options.correction ?? 'holm';
  // Earlier runs on this machine: the current run (which may hold the change) never estimates the noise.
  const history = (sources.history ?? []).filter((record) => record.runId !== current.runId && sameMachine(record.host, current.host));
  const calibration =
    sources.calibration && sameMachine(sources.calibration.host, current.host) && sources.calibration.benchmark?.name === current.benchmark.name && sources.calibration.benchmark?.version === current.benchmark.version
      ? sources.calibration
      : null;

  const before = new Map(baseline.measurements.map((entry) => [measurementId(entry), entry]));
  const now = new Map(current.measurements.map((entry) => [measurementId(entry), entry]));
  const failedNow = new Map<string, Failure>();
  for (const failure of current.failures) {
    // A failure has no batch size; it stands for every batch size of its key.
    for (const id of before.keys()) if (id.startsWith(`${keyId(failure.key)}#`) && !now.has(id)) failedNow.set(id, failure);
  }

  const tested: { id: string; old: Measurement; fresh: Measurement; latency: LatencyEvidence; energy?: LatencyEvidence }[] = [];
  const energyPast = energyHistory(history);
  const failed: KeyComparison[] = [];
  const onlyInBaseline: string[] = [];
  for (const [id, old] of before) {
    const fresh = now.get(id);
    const energy = fresh && energyView(old) && energyView(fresh) ? latencyEvidence(id, energyView(old)!, energyView(fresh)!, energyPast, null) : undefined;
    if (fresh) tested.push({ id, old, fresh, latency: latencyEvidence(id, old, fresh, history, calibration), ...(energy ? { energy } : {}) });
    else if (failedNow.has(id)) failed.push(failedEntry(id, old, failedNow.get(id)!));
    else onlyInBaseline.push(id);
  }
  // The family: every key with a p-value, whatever its size of change, so that choosing keys cannot inflate the error rate.
  // Energy tests join the same family: a key's energy is one more hypothesis, adjusted with the rest.
  const withP = [
    ...tested.filter((entry) => entry.latency.test.pValue !== null).map((entry) => ({ id: entry.id, pValue: entry.latency.test.pValue! })),
    ...tested.filter((entry) => entry.energy && entry.energy.test.pValue !== null).map((entry) => ({ id: `energy:${entry.id}`, pValue: entry.energy!.test.pValue! })),
  ];
  const adjusted = adjustPValues(withP.map((entry) => entry.pValue), correction);
  const adjustedById = new Map(withP.map((entry, index) => [entry.id, adjusted[index]!]));
  const context = { ...options, correction, family: withP.length };
  const entries = [
    ...tested.map(({ id, old, fresh, latency, energy }) =>
      compareMeasurements(id, old, fresh, decideLatency(latency, adjustedById.get(id) ?? null, context, latencyFigure(old)), options, energy ? decideLatency(energy, adjustedById.get(`energy:${id}`) ?? null, context, ENERGY_FIGURE) : undefined),
    ),
    ...failed,
  ];
  const onlyInCurrent = [...now.keys()].filter((id) => !before.has(id));
  const counts: Record<Verdict, number> = { regressed: 0, improved: 0, same: 0, inconclusive: 0 };
  for (const entry of entries) counts[entry.verdict] += 1;
  return {
    comparable: true,
    baseline: ref(baseline),
    current: ref(current),
    options: { ...options, correction },
    correction,
    family: withP.length,
    noiseSources: { historyRuns: history.length, calibration: calibration ? { createdAt: calibration.createdAt, runs: calibration.runIds.length } : null },
    entries,
    onlyInBaseline,
    onlyInCurrent,
    counts,
  };
}

function failedEntry(id: string, old: Measurement, failure: Failure): KeyComparison {
  return {
    id,
    key: old.key,
    batchSize: old.batchSize,
    verdict: 'regressed',
    reasons: [`measured in the baseline, failed now in ${failure.phase}${failure.round ? ` (round ${failure.round})` : ''}: ${failure.error.message}`],
    latency: null,
    accuracy: { verdict: 'not-evaluated', baseline: old.evaluation?.accuracy ?? null, current: null, deltaPoints: null },
  };
}

/** What a key's rounds say before the family-wise adjustment. */
interface LatencyEvidence {
  baselineMedians: number[];
  currentMedians: number[];
  test: RoundsTestResult;
  source: KeyNoise['source'];
  runs: number;
  /** Earlier runs of the key on this machine, however few (for the advice when they are too few). */
  earlierRuns: number;
  baselineSamples: number;
  currentSamples: number;
}

/**
 * The rounds test of one key. With 4 or more earlier runs of the key on this
 * machine (or a calibration of 4 or more runs, which comes first: it is a
 * clean A/A), their rounds pool into the between-round noise and their
 * spread is the run-to-run noise, held at its upper confidence bound. With
 * fewer, neither is used and no change is flagged: a few runs that happened
 * to agree would make the test sure of a quiet machine, and the next
 * machine-wide shift would be flagged as a change.
 */
function latencyEvidence(id: string, old: Measurement, fresh: Measurement, history: readonly RunRecord[], calibration: NoiseCalibration | null): LatencyEvidence {
  const baselineMedians = roundMedians(old);
  const currentMedians = roundMedians(fresh);
  const calibrated = calibration?.keys[id];
  const past = estimateNoise(id, history);
  const known: { noise: NoiseEstimate; source: KeyNoise['source'] } | null =
    calibrated && calibrated.runs >= MIN_RUNS_FOR_RUN_NOISE
      ? { noise: calibrated, source: 'calibration' }
      : past.runs >= MIN_RUNS_FOR_RUN_NOISE
        ? { noise: past, source: 'history' }
        : null;
  const test = roundsTest({
    baseline: baselineMedians.map(Math.log),
    current: currentMedians.map(Math.log),
    ...(known && known.noise.round.df > 0 ? { roundPrior: known.noise.round } : {}),
    // The upper bound of τ², not its estimate: a few earlier runs that agreed by chance must not make the test sure of a quiet machine.
    ...(known ? { runVariance: { variance: known.noise.run.upper ?? known.noise.run.variance, df: known.noise.run.df }, runVarianceIsBound: known.noise.run.upper !== undefined } : {}),
  });
  return {
    baselineMedians,
    currentMedians,
    test,
    source: known?.source ?? 'none',
    runs: known?.noise.runs ?? 0,
    earlierRuns: past.runs,
    baselineSamples: old.samples?.length ?? 0,
    currentSamples: fresh.samples?.length ?? 0,
  };
}

function geometricMean(values: readonly number[]): number {
  return Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);
}

/** What a verdict's reason calls the figure: latency's p50 in ms, or energy per inference in mJ. */
const LATENCY_FIGURE = { name: 'p50', unit: 'ms' };
const ENERGY_FIGURE = { name: 'energy per inference', unit: 'mJ' };

/** What a key's latency is called: a retrain key's samples are training steps. */
function latencyFigure(measurement: Measurement): { name: string; unit: string } {
  return workloadOf(measurement.key) === 'retrain' ? { name: 'median ms/step', unit: 'ms' } : LATENCY_FIGURE;
}

/** The latency (or energy) verdict of one key, given its p-value adjusted across the family. */
function decideLatency(evidence: LatencyEvidence, adjustedP: number | null, options: CompareOptions & { family: number }, figure: { name: string; unit: string }): { comparison: LatencyComparison; reason: string } {
  const { test } = evidence;
  const baselineP50 = geometricMean(evidence.baselineMedians);
  const currentP50 = geometricMean(evidence.currentMedians);
  const ratio = currentP50 / baselineP50;
  const rounds = { baseline: evidence.baselineMedians.length, current: evidence.currentMedians.length };
  const known = test.round.df > 0;
  const noise: KeyNoise = {
    roundCv: known ? coefficientOfVariation(test.round.variance) : null,
    runCv: evidence.source === 'none' ? null : coefficientOfVariation(test.run.variance),
    source: evidence.source,
    runs: evidence.runs,
    floor: known ? noiseFloor({ round: test.round.variance, run: test.run.variance }, rounds.baseline, rounds.current) : null,
  };
  const comparison: LatencyComparison = {
    verdict: 'inconclusive',
    baselineP50,
    currentP50,
    ratio,
    rounds,
    baselineSamples: evidence.baselineSamples,
    currentSamples: evidence.currentSamples,
    pValue: test.pValue,
    adjustedP,
    df: known ? test.df : null,
    method: known ? 'rounds' : null,
    noise,
    roundsNeeded: null,
  };
  const change = `${figure.name} ${formatMs(baselineP50)} → ${formatMs(currentP50)} ${figure.unit} (${formatChange(ratio)}, ${rounds.baseline} vs ${rounds.current} rounds)`;
  const withinThreshold = ratio <= 1 + options.threshold && ratio >= 1 - options.threshold;
  if (withinThreshold) return { comparison: { ...comparison, verdict: 'same' }, reason: `${change}, within ±${formatPercent(options.threshold)}` };
  if (noise.floor !== null && Math.abs(Math.log(ratio)) <= Math.log1p(noise.floor)) {
    return { comparison: { ...comparison, verdict: 'same' }, reason: `${change}, inside its noise floor ±${formatPercent(noise.floor)}` };
  }
  if (!known || adjustedP === null) {
    return {
      comparison,
      reason: `${change}: one round each and no earlier runs, so nothing measures its noise: run with --rounds 3 or more (or \`bench calibrate\`)`,
    };
  }
  if (evidence.source === 'none') {
    // Whole runs of unchanged code move together (where the OS put the threads, the neighbours, the clocks),
    // and two runs sample that once each: tflite-node's rounds on this project's machine agreed within ±1%
    // inside a run while whole runs sat 15-45% apart. Until earlier runs or a calibration measure how far a
    // key's runs move, no change can be told from the machine, however well its rounds agree.
    const sofar = evidence.earlierRuns === 1 ? '1 earlier run' : `${evidence.earlierRuns} earlier runs`;
    return {
      comparison,
      reason: `${change}, ${[formatP(adjustedP), adjustedText(options)].filter(Boolean).join(' ')} on its rounds, but how far whole runs of this key move on this machine is not known yet (${sofar}, ${MIN_RUNS_FOR_RUN_NOISE} needed): keep the out folder's earlier runs or run \`bench calibrate\``,
    };
  }
  if (adjustedP < options.alpha) {
    return { comparison: { ...comparison, verdict: ratio > 1 ? 'regressed' : 'improved' }, reason: `${change}, ${formatP(adjustedP)} ${adjustedText(options)}` };
  }
  // Rounds that would tell a change this large from noise at the strictest step of the adjustment (alpha / keys).
  const needed = roundsNeeded({ logChange: Math.log(ratio), roundVariance: test.round.variance, runVariance: test.run.variance, alpha: options.alpha / Math.max(1, options.family) });
  const advice =
    needed === null
      ? `more rounds cannot tell it from the run-to-run noise (±${formatPercent(noise.runCv ?? 0)}): compare against more runs or quiet the machine`
      : needed > Math.min(rounds.baseline, rounds.current)
        ? `about ${needed} rounds per run would decide a change this size`
        : 'the rounds disagree too much to decide';
  return { comparison: { ...comparison, roundsNeeded: needed }, reason: `${change} but ${formatP(adjustedP)} ${adjustedText(options)} (not below ${options.alpha}): ${advice}` };
}

function adjustedText(options: CompareOptions & { family: number }): string {
  const correction = options.correction ?? 'holm';
  if (correction === 'none' || options.family <= 1) return '';
  return `(${correction === 'holm' ? 'Holm' : 'BH'}-adjusted over ${options.family} keys)`;
}

export function compareAccuracy(old: Pick<Measurement, 'evaluation'>, fresh: Pick<Measurement, 'evaluation'>, options: Pick<CompareOptions, 'accuracyDropPoints'>): { comparison: AccuracyComparison; reason: string | null } {
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

function compareMeasurements(id: string, old: Measurement, fresh: Measurement, latency: { comparison: LatencyComparison; reason: string }, options: CompareOptions, energy?: { comparison: LatencyComparison; reason: string }): KeyComparison {
  const accuracy = compareAccuracy(old, fresh, options);
  const verdicts = [latency.comparison.verdict, accuracy.comparison.verdict, ...(energy ? [energy.comparison.verdict] : [])];
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
    reasons: [latency.reason, ...(accuracy.reason ? [accuracy.reason] : []), ...(energy ? [energy.reason] : [])],
    latency: latency.comparison,
    accuracy: accuracy.comparison,
    ...(energy ? { energy: energy.comparison } : {}),
  };
}

/**
 * Exit code of `bench compare`: 0 nothing regressed, 1 a regression, 3 not comparable, and 2 under --strict
 * when nothing regressed but the gate could not vouch for everything: a key inconclusive, or a key the
 * baseline measured missing from this run (a phone unplugged before discovery leaves no failed job to regress,
 * only absent keys; a strict gate must not pass it).
 */
export function compareExitCode(comparison: Comparison, options: { strict?: boolean } = {}): number {
  if (!comparison.comparable) return 3;
  if (comparison.entries.length === 0) return 3;
  if (comparison.counts.regressed > 0) return 1;
  if (options.strict && (comparison.counts.inconclusive > 0 || comparison.onlyInBaseline.length > 0)) return 2;
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
