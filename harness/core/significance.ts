/**
 * Significance tests as pure functions.
 *
 * - `roundsTest` is what `bench compare` decides latency on: a t-test on the
 *   log medians of each run's rounds (each round a fresh process or page),
 *   whose variance adds the between-round spread and the run-to-run spread
 *   known from earlier runs. The samples inside one round are never counted
 *   as independent evidence: they share their process's state. Holm and
 *   Benjamini-Hochberg adjust the p-values of all the keys of a comparison.
 * - `mannWhitneyU` (Wilcoxon rank-sum), two-sided, on raw samples: the
 *   pre-rounds gate, kept for the A/A benchmark's side-by-side count
 *   (test/benchmarks/aa-gate.bench.ts). Small samples get the exact
 *   permutation distribution of the rank sum, computed with ties (browsers
 *   coarsen timers to 0.1 ms); larger ones the normal approximation with tie
 *   and continuity corrections, which matches
 *   scipy.stats.mannwhitneyu(method='asymptotic').
 */
import { errorFunction, gammaln, probit } from 'simple-statistics';

export interface MannWhitneyResult {
  /** U of the first sample: pairs (a, b) with a > b, plus half of the tied pairs. */
  u: number;
  n1: number;
  n2: number;
  /** Two-sided p-value: the chance of a rank sum at least this far from its mean if both samples came from one distribution. */
  pValue: number;
  /** `exact` (permutation distribution, ties included) or `normal` (approximation). */
  method: 'exact' | 'normal';
  /** Standardised statistic of the normal approximation (continuity-corrected); 0 when every value is tied. */
  z: number;
  /**
   * The smallest two-sided p-value these sample sizes can ever give: 2 / C(n1+n2, n1).
   * When it is above the significance level, no data could show a difference.
   */
  minPValue: number;
  /** U / (n1·n2): the probability that a value of the first sample exceeds one of the second (0.5 = no shift). */
  effect: number;
}

export interface MannWhitneyOptions {
  /** Largest n1 + n2 for which the exact distribution is computed. Default 50. */
  exactMaxTotal?: number;
}

/** Two-sided Mann-Whitney U test of `a` against `b`. Both samples need at least one value. */
export function mannWhitneyU(a: readonly number[], b: readonly number[], options: MannWhitneyOptions = {}): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error(`mannWhitneyU needs two non-empty samples (got ${n1} and ${n2} values)`);
  if ([...a, ...b].some((value) => !Number.isFinite(value))) throw new Error('mannWhitneyU: samples must be finite numbers');
  const total = n1 + n2;
  const { doubledRanks, tieTerm } = rankPooled(a, b);
  // Doubled mid-ranks are integers, so the exact distribution is indexed by integer sums.
  let doubledRankSum = 0;
  for (let index = 0; index < n1; index += 1) doubledRankSum += doubledRanks[index]!;
  const u = doubledRankSum / 2 - (n1 * (n1 + 1)) / 2;

  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (total + 1 - tieTerm / (total * (total - 1) || 1));
  const sd = Math.sqrt(Math.max(variance, 0));
  const uLarge = Math.max(u, n1 * n2 - u);
  const z = sd > 0 ? Math.max(uLarge - mean - 0.5, 0) / sd : 0;

  const exactMaxTotal = options.exactMaxTotal ?? 50;
  let pValue: number;
  let method: MannWhitneyResult['method'];
  if (sd === 0) {
    pValue = 1;
    method = total <= exactMaxTotal ? 'exact' : 'normal';
  } else if (total <= exactMaxTotal) {
    pValue = exactTwoSided(doubledRanks, n1, doubledRankSum);
    method = 'exact';
  } else {
    // Two-sided normal tail: 2·(1 − Φ(z)) = erfc(z/√2) = 1 − erf(z/√2).
    pValue = Math.min(1, Math.max(0, 1 - errorFunction(z / Math.SQRT2)));
    method = 'normal';
  }
  return { u, n1, n2, pValue, method, z, minPValue: Math.min(1, 2 / binomial(total, n1)), effect: u / (n1 * n2) };
}

/**
 * Doubled mid-ranks of the pooled samples (first `a`, then `b`, in input
 * order) and the tie term Σ(t³ − t) over groups of tied values.
 */
function rankPooled(a: readonly number[], b: readonly number[]): { doubledRanks: number[]; tieTerm: number } {
  const pooled = [...a, ...b];
  const order = pooled.map((_, index) => index).sort((left, right) => pooled[left]! - pooled[right]!);
  const doubledRanks = new Array<number>(pooled.length);
  let tieTerm = 0;
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && pooled[order[end + 1]!] === pooled[order[start]!]) end += 1;
    // Ranks start+1 … end+1 share their mean; doubled, that is start + end + 2.
    for (let position = start; position <= end; position += 1) doubledRanks[order[position]!] = start + end + 2;
    const tied = end - start + 1;
    tieTerm += tied ** 3 - tied;
    start = end + 1;
  }
  return { doubledRanks, tieTerm };
}

/**
 * Exact two-sided p-value of the rank sum: the share of all C(N, n1) ways of
 * choosing n1 of the pooled (doubled) ranks whose sum lies at least as far
 * from the mean as the observed one. The distribution is symmetric about its
 * mean even with ties (the mid-ranks mirror onto themselves), so this equals
 * twice the smaller tail.
 */
function exactTwoSided(doubledRanks: readonly number[], n1: number, observed: number): number {
  const maxSum = doubledRanks.reduce((sum, rank) => sum + rank, 0);
  // counts[k][s]: ways to pick k ranks with doubled sum s (float counts: exact below 2^53, relative error tiny above).
  const counts = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
  counts[0]![0] = 1;
  let reachable = 0;
  for (const rank of doubledRanks) {
    reachable += rank;
    for (let k = n1; k >= 1; k -= 1) {
      const into = counts[k]!;
      const from = counts[k - 1]!;
      for (let sum = reachable; sum >= rank; sum -= 1) into[sum]! += from[sum - rank]!;
    }
  }
  const total = doubledRanks.length;
  const mean = n1 * (total + 1); // doubled mean rank sum
  const distance = Math.abs(observed - mean);
  let extreme = 0;
  let all = 0;
  const row = counts[n1]!;
  for (let sum = 0; sum <= maxSum; sum += 1) {
    const ways = row[sum]!;
    if (ways === 0) continue;
    all += ways;
    if (Math.abs(sum - mean) >= distance) extreme += ways;
  }
  return Math.min(1, extreme / all);
}

/** C(n, k) as a float (exact for the sizes where it matters, large values only feed 2 / C). */
function binomial(n: number, k: number): number {
  const smaller = Math.min(k, n - k);
  let result = 1;
  for (let index = 1; index <= smaller; index += 1) result = (result * (n - smaller + index)) / index;
  return result;
}

// ------------------------------------------------------------------ rounds

/**
 * The regularized incomplete beta function I_x(a, b), by its continued
 * fraction (modified Lentz), with the symmetry I_x(a, b) = 1 − I_{1−x}(b, a)
 * where the fraction converges slowly. Accurate to ~1e-14 for the arguments
 * a t-test needs.
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`incomplete beta needs a, b > 0 (got ${a}, ${b})`);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function logBeta(a: number, b: number): number {
  return gammaln(a) + gammaln(b) - gammaln(a + b);
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let result = d;
  for (let m = 1; m <= 500; m += 1) {
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + even * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + even / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    result *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + odd * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + odd / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    result *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return result;
}

/** Two-sided p-value of Student's t statistic `t` with `df` (> 0, not necessarily whole) degrees of freedom. */
export function studentTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
  if (!Number.isFinite(t)) return 0;
  return Math.min(1, regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5));
}

/** Which family-wise adjustment compare applies across the keys of one comparison. */
export type Correction = 'holm' | 'bh' | 'none';

/**
 * Holm's step-down adjusted p-values (in input order): controls the chance
 * of flagging any key when none changed (the family-wise error rate) at
 * alpha, for any dependence between the keys.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const k = pValues.length;
  const order = pValues.map((_, index) => index).sort((left, right) => pValues[left]! - pValues[right]!);
  const adjusted = new Array<number>(k);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (k - rank) * pValues[index]!));
    adjusted[index] = running;
  });
  return adjusted;
}

/**
 * Benjamini–Hochberg adjusted p-values (in input order): controls the
 * expected share of false flags among the flagged keys (the false discovery
 * rate) for independent or positively dependent keys. When nothing changed it
 * controls the chance of any flag as Holm does; with real changes it flags more.
 */
export function benjaminiHochbergAdjust(pValues: readonly number[]): number[] {
  const k = pValues.length;
  const order = pValues.map((_, index) => index).sort((left, right) => pValues[right]! - pValues[left]!);
  const adjusted = new Array<number>(k);
  let running = 1;
  order.forEach((index, position) => {
    const rank = k - position; // 1-based rank from the smallest
    running = Math.min(running, Math.min(1, (k / rank) * pValues[index]!));
    adjusted[index] = running;
  });
  return adjusted;
}

export function adjustPValues(pValues: readonly number[], correction: Correction): number[] {
  if (correction === 'holm') return holmAdjust(pValues);
  if (correction === 'bh') return benjaminiHochbergAdjust(pValues);
  return [...pValues];
}

/** A variance estimate and its degrees of freedom (0 df: nothing is known). */
export interface VarianceEstimate {
  variance: number;
  df: number;
}

/** τ² with the one-sided 95% upper confidence bound that compare tests against (absent in calibrations stored before it). */
export interface RunVarianceEstimate extends VarianceEstimate {
  upper?: number;
}

/** Confidence of the upper bound on τ² (see varianceComponents). */
export const RUN_NOISE_CONFIDENCE = 0.95;

/** The p-quantile of the chi-square distribution with `df` degrees of freedom (Wilson–Hilferty: within 7% at 3 df, closer above). */
export function chiSquareQuantile(p: number, df: number): number {
  const h = 2 / (9 * df);
  return df * Math.max(0, 1 - h + probit(p) * Math.sqrt(h)) ** 3;
}

/**
 * Variance components of log round medians grouped by run: `round` is the
 * pooled variance between the rounds of one run (σ²), `run` the extra
 * variance of a run's level from run to run beyond what its rounds explain
 * (τ²: the machine's state, neighbours, clocks, anything one run samples only
 * once). One-way random-effects ANOVA estimates, τ² clipped at zero.
 * A run of one round tells nothing about σ² but counts for τ².
 *
 * `run.upper` is τ²'s one-sided 95% upper confidence bound (from the spread
 * of the run means, ν·s²/χ²₀.₀₅(ν)). From a handful of runs the point estimate
 * is often near zero by chance: on this project's machine, four runs of
 * tflite-node that all landed in its fast state gave ±0.5%, and the next run,
 * in its slow state (+45%), was flagged as a regression. The bound is wide
 * with few runs and tightens towards the estimate as runs accumulate.
 */
export function varianceComponents(runs: readonly (readonly number[])[], roundPrior?: VarianceEstimate): { round: VarianceEstimate; run: RunVarianceEstimate } {
  let squares = roundPrior ? roundPrior.variance * roundPrior.df : 0;
  let roundDf = roundPrior?.df ?? 0;
  const usable = runs.filter((values) => values.length > 0);
  for (const values of usable) {
    if (values.length < 2) continue;
    const center = values.reduce((sum, value) => sum + value, 0) / values.length;
    for (const value of values) squares += (value - center) ** 2;
    roundDf += values.length - 1;
  }
  const round: VarianceEstimate = { variance: roundDf > 0 ? squares / roundDf : 0, df: roundDf };
  if (usable.length < 2) return { round, run: { variance: 0, df: 0 } };
  const means = usable.map((values) => values.reduce((sum, value) => sum + value, 0) / values.length);
  const grand = means.reduce((sum, value) => sum + value, 0) / means.length;
  const between = means.reduce((sum, value) => sum + (value - grand) ** 2, 0) / (means.length - 1);
  const inverseRounds = usable.reduce((sum, values) => sum + 1 / values.length, 0) / usable.length;
  const df = means.length - 1;
  const variance = Math.max(0, between - round.variance * inverseRounds);
  const upper = Math.max(variance, (df * between) / chiSquareQuantile(1 - RUN_NOISE_CONFIDENCE, df) - round.variance * inverseRounds);
  return { round, run: { variance, df, upper } };
}

export interface RoundsTestInput {
  /** Log round medians of the baseline run. */
  baseline: readonly number[];
  /** Log round medians of the current run. */
  current: readonly number[];
  /** Between-round variance (σ²) from outside this pair (earlier runs, calibration), pooled with this pair's rounds. */
  roundPrior?: VarianceEstimate;
  /** Run-to-run variance beyond rounds (τ²), from earlier runs or calibration; unknown (0 df) means taken as 0. */
  runVariance?: VarianceEstimate;
  /**
   * `runVariance` is an upper confidence bound, not an estimate: its
   * uncertainty is already in it, so it adds no Welch–Satterthwaite penalty
   * (counting both would leave a gate blind for its first dozen runs).
   */
  runVarianceIsBound?: boolean;
}

export interface RoundsTestResult {
  /** mean(log current) − mean(log baseline): the log of the ratio of geometric means of the round medians. */
  difference: number;
  /** Variance of `difference` when nothing changed: 2τ² + σ²(1/m + 1/n). */
  variance: number;
  /** σ² pooled from this pair and the prior, with its df. */
  round: VarianceEstimate;
  run: VarianceEstimate;
  /** Welch–Satterthwaite degrees of freedom of the variance; 0 when σ² is unknown. */
  df: number;
  t: number;
  /** Two-sided p-value, or null when nothing estimates the between-round noise (one round each and no prior). */
  pValue: number | null;
}

/**
 * Tests whether two runs differ by more than their rounds and the run-to-run
 * noise explain: a t-test on the mean log round medians whose variance has a
 * between-round part (σ², from the rounds of both runs and any prior) and a
 * run-level part (τ², from earlier runs; a single pair cannot see it).
 * The samples inside a round never count as independent evidence.
 */
export function roundsTest(input: RoundsTestInput): RoundsTestResult {
  const m = input.baseline.length;
  const n = input.current.length;
  if (m === 0 || n === 0) throw new Error(`roundsTest needs at least one round on each side (got ${m} and ${n})`);
  const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const difference = mean(input.current) - mean(input.baseline);
  const { round } = varianceComponents([input.baseline, input.current], input.roundPrior);
  const run = input.runVariance && input.runVariance.df > 0 ? input.runVariance : { variance: 0, df: 0 };
  const roundPart = round.variance * (1 / m + 1 / n);
  const runPart = 2 * run.variance;
  const variance = roundPart + runPart;
  if (round.df === 0) return { difference, variance, round, run, df: 0, t: 0, pValue: null };
  // Welch–Satterthwaite: the df of a sum of independently estimated variance terms.
  const denominator = roundPart ** 2 / round.df + (run.df > 0 && !input.runVarianceIsBound ? runPart ** 2 / run.df : 0);
  const df = denominator > 0 ? variance ** 2 / denominator : round.df;
  if (variance === 0) return { difference, variance, round, run, df, t: difference === 0 ? 0 : Math.sign(difference) * Infinity, pValue: difference === 0 ? 1 : 0 };
  const t = difference / Math.sqrt(variance);
  return { difference, variance, round, run, df, t, pValue: studentTwoSidedP(t, df) };
}

/**
 * Rounds per run that would tell a change of `logChange` from noise at
 * two-sided level `alpha` with the given power: n ≥ 2σ² / ((|Δ| / (z₁₋α/₂ + z_power))² − 2τ²)
 * (normal approximation). Null when no number of rounds can: the run-to-run
 * noise alone is as large as the change.
 */
export function roundsNeeded(options: { logChange: number; roundVariance: number; runVariance: number; alpha: number; power?: number }): number | null {
  const z = probit(1 - options.alpha / 2) + probit(options.power ?? 0.8);
  const room = (Math.abs(options.logChange) / z) ** 2 - 2 * options.runVariance;
  if (!(room > 0)) return null;
  return Math.max(2, Math.ceil((2 * options.roundVariance) / room));
}

/**
 * The t with a two-sided tail of `twoSidedP` at `df` degrees of freedom
 * (the inverse of studentTwoSidedP), by bisection: a 1 − p interval is
 * mean ± t·se. Bisection is enough: it runs once per key.
 */
export function studentQuantileTwoSided(twoSidedP: number, df: number): number {
  if (!(twoSidedP > 0 && twoSidedP < 1)) throw new RangeError(`a two-sided tail must be in (0, 1), got ${twoSidedP}`);
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
  let low = 0;
  let high = 1;
  while (studentTwoSidedP(high, df) > twoSidedP) high *= 2;
  for (let step = 0; step < 200 && high - low > 1e-12 * high; step += 1) {
    const middle = (low + high) / 2;
    if (studentTwoSidedP(middle, df) > twoSidedP) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}
