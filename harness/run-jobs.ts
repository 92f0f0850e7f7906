/**
 * The lanes phase of a run: the targets prepared, each job's evaluation
 * reused or not (fingerprinted on the finished plan), the runtimes' download
 * sizes, then every round of every planned job, one job at a time per
 * machine (./lanes.ts), each result written to the record as it comes.
 */
import { summariseSustained } from './core/sustained.ts';
import { availableParallelism } from 'node:os';
import { firstLine } from './core/format.ts';
import { keyId, type Measurement } from './core/record.ts';
import { mergeRounds } from './core/rounds.ts';
import { durationsFromHistory, Eta, formatDuration, jobPlanId } from './estimate.ts';
import { codeIdentity, planEvaluations, stampEvaluation, type EvaluationPlan } from './evaluation-reuse.ts';
import { loadHistory } from './history.ts';
import { laneOf, runInLanes } from './lanes.ts';
import type { PlannedJob } from './plan.ts';
import type { RunRecordStore } from './record-store.ts';
import { roundKernel, scheduleRounds } from './round-schedule.ts';
import { roundsFor } from './warm-rounds.ts';
import { plannedRuntimeSizes } from './runtime-sizes.ts';
import { failed } from '../targets/result.ts';
import type { JobResult, TargetContext } from '../targets/types.ts';
import type { ArtifactInfo, RunRecord } from './core/record.ts';

/** One job that ran: wall seconds, all its rounds and evaluation included. */
export interface JobTiming {
  id: string;
  seconds: number;
  ok: boolean;
  images: number | null;
  /** The run whose evaluation this job reused. */
  reusedFrom?: string;
  /** Timed in one round: unchanged since this run (./warm-rounds.ts). */
  unchangedSince?: string;
}

/**
 * Runs a finished plan, its targets prepared, into the record; returns each
 * job's wall time. `etaAfter` says what the caller still has to do after
 * these jobs (seconds; `bench all` streams model by model), so the ETA shown
 * is the whole command's.
 */
export interface MeasureOptions {
  /** Seconds of work the caller has left after these jobs, for the ETA (default none). */
  etaAfter?: () => number | undefined;
  /** A job's estimate where no earlier run has one (the shipped figures: ./cold-estimate.ts). */
  fallbackEstimate?: (planned: PlannedJob) => number | undefined;
  /**
   * The artifacts whose jobs to measure (default all): `bench all`'s batches
   * (./stream-batches.ts). The models keep every artifact, so the Mobile one
   * still makes the agreement reference when only Lite jobs run.
   */
  only?: (artifact: ArtifactInfo) => boolean;
  /** Time an unchanged job in one round when the out folder holds its rounds already (./warm-rounds.ts; `bench all`). */
  oneRoundWhenUnchanged?: boolean;
}

export async function measurePlan(jobs: readonly PlannedJob[], context: TargetContext, store: RunRecordStore, options: MeasureOptions = {}): Promise<JobTiming[]> {
  const { config, log, out } = context;
  const history = await loadHistory(out, store.record).catch(() => []);
  const evaluations = await planEvaluations(jobs, history, { code: await codeIdentity(), host: store.record.host, threads: store.record.conditions?.threads ?? availableParallelism(), reuse: config.run.reuseEvaluations, out, log });
  const reused = [...evaluations.values()].filter((entry) => entry.reused).length;
  if (reused) log.info(`accuracy of ${reused} job${reused === 1 ? '' : 's'} reused from earlier runs (same model file, code, runtime, device and images; --reevaluate to evaluate again)`);
  const sizes = await plannedRuntimeSizes(jobs, log);
  // A runtime measured again (the next model of a streamed run) keeps one entry: the latest.
  if (sizes.length) store.setRuntimeSizes([...store.record.runtimeSizes.filter((known) => !sizes.some((size) => size.runtime === known.runtime)), ...sizes]);
  const fromHistory = historyEstimates(jobs, history);
  const estimates = jobs.map((planned, index) => fromHistory[index] ?? options.fallbackEstimate?.(planned));
  const order = quickestFirst(jobs.length, estimates);
  return runLanes(order.map((index) => jobs[index]!), context, store, order.map((index) => estimates[index]), evaluations, options.etaAfter ?? (() => 0), options.oneRoundWhenUnchanged ?? false);
}

/**
 * The order jobs are given to the rounds: the plan's, but with the job of the
 * shortest estimate first, so the first number on screen comes from the
 * quickest job (on the default, tflite-node's float32 .tflite in ~2 s, not
 * tfjs-wasm's Mobile model in ~10 s, which was first in plan order). The rest
 * keep the plan's order. Indices into the jobs; jobs without an estimate stay
 * where they are.
 */
export function quickestFirst(count: number, estimates: readonly (number | undefined)[]): number[] {
  const order = Array.from({ length: count }, (_, index) => index);
  let quickest: number | undefined;
  for (const index of order) {
    const estimate = estimates[index];
    if (estimate !== undefined && (quickest === undefined || estimate < estimates[quickest]!)) quickest = index;
  }
  return quickest === undefined ? order : [quickest, ...order.filter((index) => index !== quickest)];
}

/** Each job's duration in earlier runs of the same benchmark, where there is one (for the ETA). */
function historyEstimates(jobs: readonly PlannedJob[], history: RunRecord[]): (number | undefined)[] {
  const durations = durationsFromHistory(history);
  return jobs.map(({ job }) => durations.get(jobPlanId(job)));
}

/**
 * Runs every round of every job (./rounds.ts: round-major, so rounds of
 * different jobs interleave) through the lanes. After each round the job's
 * measurement is rewritten from all its rounds so far, so a killed run keeps
 * every round measured. A round that fails records the failure (with its
 * round) and that job's later rounds are skipped. The progress line counts
 * rounds, with an ETA from the jobs' estimates (split evenly over their rounds);
 * the returned timings are per job, all its rounds together.
 */
async function runLanes(
  jobs: readonly PlannedJob[],
  context: TargetContext,
  store: RunRecordStore,
  estimates: (number | undefined)[],
  evaluations: Map<PlannedJob, EvaluationPlan>,
  etaAfter: () => number | undefined,
  oneRoundWhenUnchanged: boolean,
): Promise<JobTiming[]> {
  if (jobs.length === 0) return [];
  const { rounds, order, seed, cooldownMs } = context.config.run;
  const own = new Map(jobs.map((planned) => [planned, oneRoundWhenUnchanged ? roundsFor(evaluations.get(planned)?.held, rounds) : { rounds }]));
  const unchanged = [...own.values()].filter((entry) => entry.unchangedSince);
  const since = [...new Set(unchanged.map((entry) => entry.unchangedSince))].join(', ');
  const oneRound = unchanged.length ? `; ${unchanged.length} unchanged since run ${since} timed in one round (the folder holds their rounds; --reevaluate times every round)` : '';
  context.log.info(`${jobs.length} job${jobs.length === 1 ? '' : 's'} on ${store.record.devices.length} device${store.record.devices.length === 1 ? '' : 's'}${rounds > 1 ? `, ${rounds} rounds each (${order})` : ''}${oneRound}`);
  const schedule = scheduleRounds(jobs, { rounds, order, seed }).filter((item) => item.round <= own.get(item.job)!.rounds);
  const progress = context.log.progress('benchmarks', schedule.length);
  const eta = new Eta(schedule.map(({ job }) => {
    const estimate = estimates[jobs.indexOf(job)];
    return estimate === undefined ? undefined : estimate / rounds;
  }));
  const measured = new Map<PlannedJob, { round: number; measurement: Measurement }[]>();
  const merged = new Map<PlannedJob, Measurement>();
  const failedJobs = new Set<PlannedJob>();
  const timings = new Map<PlannedJob, JobTiming>();
  const startedLanes = new Set<string>();
  let done = 0;
  await runInLanes(
    schedule,
    ({ job: planned }) => planned.job.device,
    async (item) => {
      const { job: planned, round } = item;
      if (context.signal.aborted) return 'stop';
      const jobRounds = own.get(planned)!;
      const label = `${planned.job.artifact.id} ${planned.job.runtime}${planned.job.retrain ? ' retrain' : ` b${planned.job.kernel.batchSize}`}${rounds > 1 ? ` round ${round}/${jobRounds.rounds}` : ''}`;
      const tick = (text: string, seconds: number) => {
        eta.done(schedule.indexOf(item), seconds);
        done += 1;
        const here = eta.remainingSeconds();
        const after = etaAfter();
        const left = here === undefined || after === undefined ? undefined : here + after;
        progress.tick(1, `${text} [${done}/${schedule.length}${left === undefined || left <= 0 ? '' : `, ETA ${formatDuration(left)}`}]`);
      };
      if (failedJobs.has(planned)) {
        tick(`${label}: skipped`, 0);
        return 'next';
      }
      const lane = laneOf(planned.job.device);
      if (startedLanes.has(lane) && cooldownMs > 0 && !(await pause(cooldownMs, context.signal))) return 'stop';
      startedLanes.add(lane);
      const started = performance.now();
      const result = await runOne({ target: planned.target, job: { ...planned.job, kernel: roundKernel(planned.job.kernel, round, rounds) } }, context);
      // A job stopped by Ctrl-C did not fail: a worker's AbortError may come before the harness's own abort,
      // and every target names its stop its own way (the browser runner, a phone session), so once the run is
      // aborted a failing job is taken for a stopped one.
      if (!result.ok && (result.failure.error.name === 'AbortError' || context.signal.aborted)) return 'stop';
      const seconds = (performance.now() - started) / 1000;
      const timing = timings.get(planned);
      if (result.ok) {
        // Sustained mode on a target that reads no device (a browser): the latency series alone.
        if (context.config.run.sustained !== undefined && !result.measurement.sustained && result.measurement.samples.length) result.measurement.sustained = summariseSustained({ samples: result.measurement.samples, readings: [], deviceSource: 'none' });
        const all = [...(measured.get(planned) ?? []), { round, measurement: result.measurement }];
        measured.set(planned, all);
        const stamped = stampEvaluation(mergeRounds(all), evaluations.get(planned));
        const measurement = jobRounds.unchangedSince ? { ...stamped, unchangedSince: jobRounds.unchangedSince } : stamped;
        store.replaceMeasurement(merged.get(planned), measurement);
        merged.set(planned, measurement);
        const images = measurement.evaluation?.images ?? null;
        const reusedFrom = measurement.evaluation?.reusedFrom;
        timings.set(planned, { id: keyId(measurement.key), seconds: (timing?.seconds ?? 0) + seconds, ok: timing?.ok ?? true, images, ...(reusedFrom ? { reusedFrom } : {}), ...(jobRounds.unchangedSince ? { unchangedSince: jobRounds.unchangedSince } : {}) });
        const retrained = result.measurement.retrain;
        const evaluated = images && round === 1 ? (reusedFrom ? `, accuracy of ${images} images reused` : `, ${images} images`) : '';
        const summary = retrained
          ? `retrain ${retrained.extraction.imagesPerSecond.toFixed(1)} images/s, ${retrained.training.msPerStep.toFixed(2)} ms/step${retrained.accuracy !== null ? `, accuracy ${(retrained.accuracy * 100).toFixed(1)}%` : ''}${retrained.diverged ? ' (diverged)' : ''}`
          : `p50 ${result.measurement.latency.p50.toFixed(2)} ms${evaluated}`;
        tick(`${label}: ${summary}`, seconds);
      } else {
        failedJobs.add(planned);
        const failure = rounds > 1 ? { ...result.failure, round } : result.failure;
        store.addFailure(failure);
        timings.set(planned, { id: keyId(failure.key), seconds: (timing?.seconds ?? 0) + seconds, ok: false, images: timing?.images ?? null });
        context.log.warn(`${keyId(failure.key)} failed in ${failure.phase}${rounds > 1 ? ` (round ${round}; its later rounds are skipped)` : ''}: ${firstLine(failure.error.message)}`);
        tick(`${label}: failed`, seconds);
      }
      return 'next';
    },
  );
  progress.done(`${merged.size} measured, ${failedJobs.size} failed`);
  return jobs.flatMap((planned) => timings.get(planned) ?? []);
}

/** Waits `ms` (the cool-down between rounds); false when Ctrl-C came first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A target that throws instead of returning a failure still yields a failure. */
async function runOne({ target, job }: PlannedJob, context: TargetContext): Promise<JobResult> {
  try {
    return await target.run(job, context);
  } catch (error) {
    return failed(job, 'setup', error);
  }
}

