/**
 * The sentences that state how a comparison decided, shared by the terminal
 * output of `bench compare` and its markdown: the rule (threshold, noise
 * floor, significance and the family-wise adjustment) and where each key's
 * noise came from.
 */
import type { Comparison, KeyNoise } from './compare.ts';
import { MIN_RUNS_FOR_RUN_NOISE } from './noise.ts';

type Comparable = Extract<Comparison, { comparable: true }>;

const CORRECTION = { holm: 'Holm (family-wise error rate)', bh: 'Benjamini-Hochberg (false discovery rate)', none: 'no adjustment across keys' } as const;

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** "flag: …": what a key must show to be regressed or improved. */
export function describeRule(comparison: Comparable): string {
  const { threshold, alpha, accuracyDropPoints } = comparison.options;
  const adjustment = comparison.correction === 'none' ? 'with no adjustment across keys' : `adjusted over ${comparison.family} key${comparison.family === 1 ? '' : 's'} by ${CORRECTION[comparison.correction]}`;
  return `flag: p50 change past ±${percent(threshold)} and past the key's noise floor, with p < ${alpha} on the round medians, ${adjustment}; accuracy drop past ${accuracyDropPoints} points`;
}

/** Where the noise came from. */
export function describeNoise(comparison: Comparable): string {
  const { historyRuns, calibration } = comparison.noiseSources;
  if (calibration) return `noise from the rounds of both runs and the A/A calibration of ${calibration.createdAt.slice(0, 10)} (${calibration.runs} runs)`;
  if (historyRuns >= MIN_RUNS_FOR_RUN_NOISE) return `noise from the rounds of both runs and ${historyRuns} earlier runs on this machine`;
  const sofar = historyRuns ? ` (${historyRuns} so far)` : '';
  return `noise from the rounds of both runs only; run-to-run noise unknown until there are ${MIN_RUNS_FOR_RUN_NOISE} earlier runs on this machine${sofar} or a \`bench calibrate\`, so a change is at most inconclusive`;
}

/** "rounds ±1.2%, runs ±3.4% (95% bound, history, 7 runs), floor ±5.6%". */
export function formatNoise(noise: KeyNoise): string {
  const parts: string[] = [];
  parts.push(noise.roundCv === null ? 'rounds unknown' : `rounds ±${percent(noise.roundCv)}`);
  if (noise.runCv !== null) parts.push(`runs ±${percent(noise.runCv)} (95% bound, ${noise.source}, ${noise.runs} runs)`);
  if (noise.floor !== null) parts.push(`floor ±${percent(noise.floor)}`);
  return parts.join(', ');
}

/**
 * A warning for keys whose noise floor is wide (past 4× the threshold): for
 * them "same" only means "no change larger than their noise", so say so.
 * Null when there is none.
 */
export function describeNoisyKeys(comparison: Comparable): string | null {
  const limit = 4 * comparison.options.threshold;
  const noisy = comparison.entries.filter((entry) => (entry.latency?.noise.floor ?? 0) > limit);
  if (noisy.length === 0) return null;
  const floors = noisy.map((entry) => `±${percent(entry.latency!.noise.floor!)}`).join(', ');
  return `${noisy.length} key${noisy.length === 1 ? ' is' : 's are'} too noisy to see a change under their floor (${floors}): quiet the machine (--threads, --cpus), keep earlier runs or raise --rounds (docs/regressions.md)`;
}
