/**
 * How long a planned job will take, before it runs: from earlier runs of the
 * same job in the history (its wall time then), else from a one-inference
 * probe (load, one inference, and the kernel's own bounds worked out from
 * that inference's time), else unknown. `bench run --dry-run` prints these;
 * a run's progress line turns them into an ETA.
 */
import { workloadOf, type Measurement, type RunRecord, type TargetKind, type Workload } from './core/record.ts';
import type { KernelOptions } from '../targets/kernel/types.ts';
import type { Job } from '../targets/types.ts';

/** `shipped`: the figures shipped with edgebench, scaled to this host (./cold-estimate.ts). */
export type Estimate = { seconds: number; source: 'history' | 'probe' | 'shipped' } | { seconds: undefined; source: 'unknown' };

/**
 * The id a planned job and a past measurement share: artifact, target,
 * device, runtime and batch. Runtime options are left out: a target settles
 * them (threads the browser really has …) only when the job runs.
 */
export function planId(entry: { artifact: string; target: TargetKind; device: string; runtime: string; batchSize: number; workload?: Workload }): string {
  // A retrain job lasts nothing like an inference job of the same artifact and runtime.
  return `${entry.artifact}@${entry.target}:${entry.device}/${entry.runtime}#${entry.batchSize}${entry.workload === 'retrain' ? '+retrain' : ''}`;
}

/** A planned job's plan id, from its key (the target kind is the key's). */
export function jobPlanId(job: Job): string {
  return planId({ artifact: job.artifact.id, target: job.key.target, device: job.device.id, runtime: job.runtime, batchSize: job.kernel.batchSize, ...(job.workload ? { workload: job.workload } : {}) });
}

function measurementPlanId(measurement: Measurement): string {
  return planId({ artifact: measurement.artifact, target: measurement.key.target, device: measurement.key.device, runtime: measurement.key.runtime, batchSize: measurement.batchSize, workload: workloadOf(measurement.key) });
}

/**
 * Wall seconds of each job in earlier runs (oldest first), the latest run's
 * figure winning. A job measured in rounds took the sum of its rounds' own
 * spans: its first round starts long before its last one ends, as the rounds
 * of every other job run in between.
 */
export function durationsFromHistory(records: readonly RunRecord[]): Map<string, number> {
  const durations = new Map<string, number>();
  const span = (entry: { startedAt: string; finishedAt: string }) => (Date.parse(entry.finishedAt) - Date.parse(entry.startedAt)) / 1000;
  for (const record of records) {
    for (const measurement of record.measurements) {
      const seconds = measurement.rounds?.length ? measurement.rounds.reduce((sum, round) => sum + span(round), 0) : span(measurement);
      if (Number.isFinite(seconds) && seconds >= 0) durations.set(measurementPlanId(measurement), seconds);
    }
  }
  return durations;
}

/** What a one-inference probe measured. */
export interface ProbeNumbers {
  /** Wall time of the whole probe (process or page start, load, inferences), ms. */
  wallMs: number;
  /** One warm inference, ms. */
  inferenceMs: number;
}

/**
 * A job's duration from a probe: the probe's own wall time (start-up, load,
 * a cold and a warm inference), plus what the kernel will add on top: the
 * warm-up, the measured loop within its bounds, and the evaluation within its
 * limit and budget.
 */
export function estimateFromProbe(probe: ProbeNumbers, kernel: KernelOptions, packImages: number): number {
  const t = Math.max(probe.inferenceMs, 1e-3);
  const warmup = kernel.warmupIterations > 0 ? Math.max(t, Math.min(kernel.warmupIterations * t, kernel.warmupMaxMs ?? Number.POSITIVE_INFINITY)) : 0;
  const loop = Math.min(Math.max(kernel.minSamples * t, kernel.minTimeMs), Math.max(kernel.maxTimeMs, t));
  const images = kernel.evaluate === false ? 0 : Math.min(kernel.evalLimit ?? packImages, packImages);
  const batches = Math.ceil(images / kernel.batchSize);
  const floor = Math.ceil(Math.min(kernel.evalMinImages ?? 1, images) / kernel.batchSize) * t;
  const evaluation = batches === 0 ? 0 : Math.min(batches * t, Math.max(kernel.evalBudgetMs ?? Number.POSITIVE_INFINITY, floor, t));
  return (probe.wallMs + warmup + loop + evaluation) / 1000;
}

/** The kernel options of a probe: load, the cold inference, one timed inference, no evaluation. */
export function probeKernel(kernel: KernelOptions): KernelOptions {
  return { warmupIterations: 0, minSamples: 1, minTimeMs: 0, maxTimeMs: 0, batchSize: kernel.batchSize, evaluate: false };
}

/** `45 s`, `3 min 20 s`, `1 h 5 min`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min${whole % 60 ? ` ${whole % 60} s` : ''}`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

/**
 * The time left in a run: each job not yet done counts its estimate, or,
 * without one, the mean of the jobs done so far; undefined while nothing
 * tells (no estimate and nothing done yet). Estimates are corrected as jobs
 * finish: scaled by how long the jobs done took against their own estimates
 * (a machine twice as slow as the figures were made on doubles the rest).
 */
export class Eta {
  private readonly pending: Map<number, number | undefined>;
  private doneSeconds = 0;
  private doneCount = 0;
  /** Over the jobs done that had an estimate: their estimates, and what they took. */
  private estimatedDone = 0;
  private actualDone = 0;

  constructor(estimates: ReadonlyArray<number | undefined>) {
    this.pending = new Map(estimates.map((seconds, index) => [index, seconds]));
  }

  /** Job `index` finished after `seconds`. */
  done(index: number, seconds: number): void {
    const estimate = this.pending.get(index);
    if (!this.pending.delete(index)) return;
    this.doneSeconds += seconds;
    this.doneCount += 1;
    if (estimate !== undefined && estimate > 0) {
      this.estimatedDone += estimate;
      this.actualDone += seconds;
    }
  }

  /** What the jobs done so far took against their estimates (1 until one with an estimate is done). */
  correction(): number {
    return this.estimatedDone > 0 ? this.actualDone / this.estimatedDone : 1;
  }

  remainingSeconds(): number | undefined {
    const mean = this.doneCount > 0 ? this.doneSeconds / this.doneCount : undefined;
    const correction = this.correction();
    let total = 0;
    for (const seconds of this.pending.values()) {
      const guess = seconds === undefined ? mean : seconds * correction;
      if (guess === undefined) return undefined;
      total += guess;
    }
    return total;
  }
}
