/**
 * The Mann-Whitney U test (Wilcoxon rank-sum), two-sided, as a pure function.
 *
 * Latency samples are not normal (long right tails, bimodal under GC or
 * thermal throttling), so compare tests ranks rather than means. Small
 * samples get the exact permutation distribution of the rank sum, computed
 * with ties (browsers coarsen timers to 0.1 ms, so ties are common there);
 * larger ones the normal approximation with tie and continuity corrections,
 * which matches scipy.stats.mannwhitneyu(method='asymptotic').
 */
import { errorFunction } from 'simple-statistics';

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
