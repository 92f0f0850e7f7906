/**
 * Rounds: the order in which the rounds of a run's jobs are measured, and
 * what each round measures.
 *
 * Round-major order (round 1 of every job, then round 2 …) spreads a slow
 * drift of the machine (a neighbour starting, clocks settling, the disk
 * cache warming) over every key instead of piling it on the jobs that
 * happened to run last; `shuffled` also breaks any pattern tied to job
 * order (a light job always following a heavy one).
 */
import type { ResolvedConfig } from './core/config.ts';
import type { KernelOptions } from '../targets/kernel/types.ts';
import { seededRandom } from '../models/random.ts';

export interface ScheduledRound<T> {
  job: T;
  /** 1-based. */
  round: number;
}

export interface RoundOrder {
  rounds: number;
  order: ResolvedConfig['run']['order'];
  seed: number;
}

/** Every round of every job, in measuring order. */
export function scheduleRounds<T>(jobs: readonly T[], options: RoundOrder): ScheduledRound<T>[] {
  if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new RangeError(`rounds must be a positive integer, got ${options.rounds}`);
  const schedule: ScheduledRound<T>[] = [];
  for (let round = 1; round <= options.rounds; round += 1) {
    const order = jobs.map((_, index) => index);
    if (options.order === 'shuffled') {
      // Fisher–Yates with a stream of its own per round: the same seed gives the same order anywhere.
      const random = seededRandom(`rounds-${options.seed}-${round}`);
      for (let index = order.length - 1; index > 0; index -= 1) {
        const other = random.int(0, index);
        [order[index], order[other]] = [order[other]!, order[index]!];
      }
    }
    for (const index of order) schedule.push({ job: jobs[index]!, round });
  }
  return schedule;
}

/**
 * One round's share of a job: the measuring time (samples, min and max time)
 * divided by the rounds, so R rounds cost one job plus R − 1 loads, first
 * inferences and warm-ups; the evaluation in round 1 only (accuracy on a
 * fixed pack does not change from round to round). The warm-up is not
 * divided: each round is a fresh process or page, cold again (JITs, wasm
 * tier-up, caches), and a round measured half-warm moves its median (an idle
 * A/A run showed tfjs-wasm's round medians ±7% apart with 2 warm-up
 * iterations per round, against ±1% from run to run).
 */
export function roundKernel(kernel: KernelOptions, round: number, rounds: number): KernelOptions {
  if (rounds === 1) return kernel;
  const { evaluate, ...rest } = kernel;
  return {
    ...rest,
    minSamples: Math.max(1, Math.ceil(kernel.minSamples / rounds)),
    minTimeMs: kernel.minTimeMs / rounds,
    maxTimeMs: kernel.maxTimeMs / rounds,
    evaluate: round === 1 ? evaluate !== false : false,
  };
}
