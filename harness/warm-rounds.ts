/**
 * A warm `bench all` times an unchanged job in one round. Unchanged: its
 * evaluation is reused (the same model file, code, lockfile, runtime and
 * options, device and images: ./evaluation-reuse.ts's fingerprint), and the
 * out folder's signed runs already hold at least the run's rounds of it.
 * Timing such a job in every round again told no one anything new: in the
 * warm run measured for docs/bench-all.md, 28 jobs × 2 rounds were its
 * 4 min 56 s, each round one more process or page start, model load and
 * warm-up. Its one round still has a round's share of the measuring time,
 * so its median is comparable with the earlier rounds', and `bench compare`
 * takes the between-round noise from those earlier runs (docs/regressions.md:
 * a key's σ² is pooled with its rounds in earlier runs on the machine). Any
 * change (a new commit, another artifact) gives a new fingerprint and every
 * round; `--reevaluate` times every round too. Only `bench all` asks for it:
 * `bench calibrate` and a CI gate need every run's own rounds.
 */
import type { RunRecord } from './core/record.ts';

/** Rounds the out folder's runs hold of the job with this evaluation fingerprint, and the latest run with one. */
export function heldRounds(history: readonly RunRecord[], fingerprint: string): { rounds: number; runId: string | undefined } {
  let rounds = 0;
  let runId: string | undefined;
  for (const record of history) {
    for (const measurement of record.measurements) {
      if (measurement.evaluation?.fingerprint !== fingerprint) continue;
      rounds += measurement.rounds?.length ?? 1;
      runId = record.runId;
    }
  }
  return { rounds, runId };
}

/** The rounds a job gets: one when it is unchanged and the folder holds `rounds` of it already, else `rounds`. */
export function roundsFor(held: { rounds: number; runId: string | undefined } | undefined, rounds: number): { rounds: number; unchangedSince?: string } {
  if (!held?.runId || rounds <= 1 || held.rounds < rounds) return { rounds };
  return { rounds: 1, unchangedSince: held.runId };
}
