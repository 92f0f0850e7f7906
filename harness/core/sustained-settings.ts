/**
 * `--sustained <duration>` (config `run.sustained`): the duration as text
 * (`10m`, `90s`, `1h`, `500ms`) or ms, and what it does to the run: one
 * round, the measured loop exactly that long, the job's timeout past it.
 */

/** `10m`, `90s`, `1h`, `500ms`, or plain ms. */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The duration in ms, or undefined when the text is not one. */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  const match = DURATION_PATTERN.exec(value.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!;
  return ms > 0 ? ms : undefined;
}

/** Room after the loop for load, warm-up and evaluation before the job counts as hung. */
const AROUND_LOOP_MS = 600_000;

/** The run settings of a sustained run: one round whose loop lasts `sustainedMs`. */
export function sustainedRun<T extends { rounds: number; minSamples: number; minTimeMs: number; maxTimeMs: number; jobTimeoutMs: number }>(run: T, sustainedMs: number): T {
  return { ...run, rounds: 1, minSamples: 1, minTimeMs: sustainedMs, maxTimeMs: sustainedMs, jobTimeoutMs: Math.max(run.jobTimeoutMs, sustainedMs + AROUND_LOOP_MS) };
}
