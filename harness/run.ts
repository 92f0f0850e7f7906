/**
 * `bench run`: benchmarks every artifact on every runtime of every device the
 * targets find, writing each result to the run record as it comes.
 *
 * Plan (./plan.ts): artifacts × devices × available runtimes (narrowed by
 * run.backends; software GPUs only when named) × batch sizes, each job measured
 * in run.rounds rounds (./rounds.ts). Before the jobs,
 * each model's agreement reference (its Mobile artifact on the fastest exact
 * TF.js engine over the evaluation pack) is made or read from
 * eval/reference.json. Jobs run one at a time per machine (./lanes.ts):
 * the Node target and the browsers share the host's CPU, phones run in
 * parallel with it and with each other. A failing job is recorded with its phase and the run
 * goes on; Ctrl-C (the signal) stops after the current job and marks the
 * record interrupted.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { listArtifacts, trainingSummary, type ModelArtifacts } from './artifacts.ts';
import { modelIds, userModels, type ResolvedConfig } from './core/config.ts';
import { UserError } from './core/errors.ts';
import { gitInfo, hostInfo } from './core/host.ts';
import { firstLine } from './core/format.ts';
import type { Logger } from './core/log.ts';
import { keyId, type Measurement, type MeasurementConditions, type RunRecord, type RuntimeSize, type TargetKind } from './core/record.ts';
import { mergeRounds } from './core/rounds.ts';
import { roundKernel, scheduleRounds } from './rounds.ts';
import { RunRecordStore } from './record-store.ts';
import { formatSummary } from './summary.ts';
import { failed, failure } from '../targets/result.ts';
import { laneOf, runInLanes } from './lanes.ts';
import { durationsFromHistory, Eta, formatDuration, jobPlanId } from './estimate.ts';
import { codeIdentity, planEvaluations, stampEvaluation, type EvaluationPlan } from './evaluation-reuse.ts';
import { loadHistory } from './history.ts';
import { leftOutLine, planJobs, type ActiveTarget, type PlannedJob } from './plan.ts';
import { discoverKinds, targetFactories } from './targets.ts';
import type { JobResult, Target, TargetContext } from '../targets/types.ts';

export interface RunOptions {
  config: ResolvedConfig;
  log: Logger;
  /** Absolute output folder. */
  out: string;
  /** Ctrl-C: stop after the current job, keep the record, mark it interrupted. */
  signal?: AbortSignal;
  /** Target factories by kind, over the built-in ones (tests inject a Node target with extra runtimes here). */
  targets?: Partial<Record<TargetKind, () => Promise<Target>>>;
  /** Folder whose git commit the record keeps (default: the working folder). */
  cwd?: string;
  /** Make the agreement reference in this process instead of a worker (tests). */
  referenceInProcess?: boolean;
}

export interface RunOutcome {
  runId: string;
  recordPath: string;
  record: RunRecord;
  /** Wall time of the run's phases, for people and the benchmark script (not part of the record). */
  timings: RunTimings;
}

export interface RunTimings {
  /** One per model: the agreement reference, made now or read from the cache. */
  references: { model: string; runtime: string; images: number; seconds: number; cached: boolean }[];
  /** One per job that ran, in the order they finished: wall seconds, evaluation included. */
  jobs: { id: string; seconds: number; ok: boolean; images: number | null; /** The run whose evaluation this job reused. */ reusedFrom?: string }[];
}

export async function runBenchmarks(options: RunOptions): Promise<RunOutcome> {
  const { config, log, out } = options;
  const signal = options.signal ?? new AbortController().signal;
  const context: TargetContext = { config, log, out, signal };

  const ids = [...modelIds(config), ...(await importUserModels(config, out, log, options.cwd ?? process.cwd()))];
  const listing = await listArtifacts(out, ids);
  for (const missing of listing.missing) log.warn(`${missing.model}: skipped, ${missing.reason} (run \`bench retrain\` first)`);
  if (listing.models.length === 0) {
    throw new UserError(`nothing to benchmark: no retrained model among ${ids.join(', ') || 'the models given'} in ${out} (run \`bench retrain\` first, or give --model a model id or a model.json/.tflite path)`, 'NO_ARTIFACTS');
  }
  const artifacts = listing.models.flatMap((model) => model.artifacts);

  const store = RunRecordStore.create(out, {
    host: hostInfo(),
    ...optionalGit(options.cwd ?? process.cwd()),
    config,
    artifacts,
    training: listing.models.flatMap((model) => trainingSummary(model.metadata) ?? []),
    runtimeSizes: [],
    conditions: await measurementConditions(config, log),
  });
  // A second Ctrl-C exits at once (harness/interrupt.ts); the record still says it was interrupted.
  const markOnExit = () => {
    if (signal.aborted && store.record.status === 'running') store.finish('interrupted');
  };
  process.on('exit', markOnExit);
  log.info(`run ${store.record.runId}: ${artifacts.length} artifact${artifacts.length === 1 ? '' : 's'} of ${listing.models.map((model) => model.model).join(', ')}`);

  const active: ActiveTarget[] = [];
  const timings: RunTimings = { references: [], jobs: [] };
  try {
    active.push(...(await discoverTargets(options, context)));
    store.addDevices(active.flatMap((entry) => entry.devices.map((found) => found.device)));
    warnUnknownBackends(config, active, log);

    const plan = await planJobs(listing.models, active, config, out);
    for (const missing of plan.noPack) log.warn(`${missing.model}: no evaluation pack in ${missing.dir}: latency only, no accuracy (retrain to make one)`);
    for (const entry of plan.leftOut) log.info(leftOutLine(entry));
    for (const line of plan.retrainNotes) log.info(line);
    const jobs = plan.jobs;
    if (jobs.some(({ job }) => job.retrain)) await attachRetrainPacks(jobs, store, { config, log, out, cwd: options.cwd ?? process.cwd(), signal });
    if (jobs.length === 0) log.warn('no job to run: no available runtime matches the artifacts (see `bench devices`)');
    else timings.references = await attachReferences(jobs, listing.models, { config, log, out, signal, inProcess: options.referenceInProcess ?? false });

    const history = await loadHistory(out, store.record).catch(() => []);
    const evaluations = await planEvaluations(jobs, history, { code: await codeIdentity(), host: store.record.host, threads: store.record.conditions?.threads ?? availableParallelism(), reuse: config.run.reuseEvaluations });
    const reused = [...evaluations.values()].filter((entry) => entry.reused).length;
    if (reused) log.info(`accuracy of ${reused} job${reused === 1 ? '' : 's'} reused from earlier runs (same model file, code, runtime, device and images; --reevaluate to evaluate again)`);

    await recordRuntimeSizes(jobs, store, log);
    await prepareTargets(active, jobs, context, store);
    timings.jobs = await runLanes(jobs, context, store, historyEstimates(jobs, history), evaluations);
  } finally {
    for (const { target } of active) {
      try {
        await target.dispose?.();
      } catch (error) {
        log.warn(`${target.kind}: cleanup failed: ${(error as Error).message}`);
      }
    }
    store.finish(signal.aborted ? 'interrupted' : 'complete');
    process.off('exit', markOnExit);
  }

  for (const line of formatSummary(store.record)) log.info(line);
  if (signal.aborted) log.warn(`interrupted: ${store.record.measurements.length} measurement(s) kept in ${store.path}`);
  else log.info(`run record: ${store.path}`);
  return { runId: store.record.runId, recordPath: store.path, record: store.record, timings };
}

/**
 * Copies each of the user's own models (path entries of `models`) into the
 * out folder as a model id, with an evaluation pack from dataset.images
 * (`--images`) when given. One that cannot be read is a warning naming it;
 * the others still run. Returns the ids imported.
 */
async function importUserModels(config: ResolvedConfig, out: string, log: Logger, cwd: string): Promise<string[]> {
  const entries = userModels(config);
  if (entries.length === 0) return [];
  const { importUserModel } = await import('../models/user-model.ts');
  const ids: string[] = [];
  for (const entry of entries) {
    try {
      const labels = typeof entry.labels === 'string' ? resolve(cwd, entry.labels) : entry.labels;
      const spec = { ...entry, path: resolve(cwd, entry.path), ...(labels ? { labels } : {}) };
      const imported = await importUserModel(spec, { out, log, ...(config.dataset.images ? { images: resolve(cwd, config.dataset.images) } : {}) });
      ids.push(imported.id);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      log.warn(`${entry.path}: skipped, ${firstLine(error)}`);
    }
  }
  return ids;
}

/** The schedule and noise knobs of this run, as the record reports them. */
async function measurementConditions(config: ResolvedConfig, log: Logger): Promise<MeasurementConditions> {
  const { rounds, order, seed, cooldownMs, cpus, threads } = config.run;
  let affinity: MeasurementConditions['affinity'] = null;
  if (cpus && config.run.targets.includes('node')) {
    const { pinCommand } = await import('../targets/node/affinity.ts');
    const pinned = pinCommand(cpus);
    affinity = 'reason' in pinned ? { cpus, applied: false, reason: pinned.reason } : { cpus, applied: true };
    if ('reason' in pinned) log.warn(`run.cpus: not pinning the Node workers: ${pinned.reason}`);
  }
  return { rounds, order, ...(order === 'shuffled' ? { seed } : {}), cooldownMs, threads: threads ?? availableParallelism(), affinity };
}

function optionalGit(cwd: string): { git?: { commit: string; dirty: boolean } } {
  const git = gitInfo(cwd);
  return git ? { git } : {};
}

/** Imports and asks each target in run.targets; one that is missing or finds nothing is one info line, not an error. */
export async function discoverTargets(options: Pick<RunOptions, 'config' | 'log' | 'targets'>, context: TargetContext): Promise<ActiveTarget[]> {
  const { config, log } = options;
  const active: ActiveTarget[] = [];
  for (const found of await discoverKinds(config.run.targets, context, { ...targetFactories, ...options.targets })) {
    const { kind } = found;
    if (!found.ok) {
      log.info(found.stage === 'load' ? `${kind}: not available (${found.message})` : `${kind}: discovery failed (${found.message})`);
      continue;
    }
    const { target, devices } = found;
    const usable = devices.filter((candidate) => candidate.usable);
    for (const candidate of devices.filter((device) => !device.usable)) log.info(`${kind} ${candidate.device.name}: not usable (${candidate.reason ?? 'no reason given'})`);
    if (usable.length === 0) {
      log.info(`${kind}: no usable device found`);
      await target.dispose?.().catch(() => {});
      continue;
    }
    for (const candidate of usable) {
      const available = candidate.runtimes.filter((runtime) => runtime.available).map((runtime) => runtime.runtime);
      const unavailable = candidate.runtimes.filter((runtime) => !runtime.available).map((runtime) => runtime.runtime);
      log.info(`${kind} ${candidate.device.name}: ${available.join(', ') || 'no runtime'}${unavailable.length ? ` (unavailable: ${unavailable.join(', ')}; see \`bench devices\`)` : ''}`);
    }
    active.push({ target, devices: usable });
  }
  return active;
}

function warnUnknownBackends(config: ResolvedConfig, active: ActiveTarget[], log: Logger): void {
  if (!config.run.backends) return;
  const known = new Set(active.flatMap((entry) => entry.devices.flatMap((found) => found.runtimes.map((runtime) => runtime.runtime))));
  for (const name of config.run.backends) {
    if (!known.has(name)) log.warn(`--backends ${name}: no target found a runtime of that name (found: ${[...known].join(', ') || 'none'})`);
  }
}

/** Makes or reuses each model's reference outputs and points its evaluating jobs at them. */
async function attachReferences(
  jobs: PlannedJob[],
  models: ModelArtifacts[],
  options: { config: ResolvedConfig; log: Logger; out: string; signal: AbortSignal; inProcess: boolean },
): Promise<RunTimings['references']> {
  const { ensureReference } = await import('../targets/node/reference.ts');
  const timings: RunTimings['references'] = [];
  for (const model of models) {
    if (options.signal.aborted) break;
    const evaluating = jobs.filter(({ job }) => job.artifact.model === model.model && job.kernel.evaluate !== false && !job.retrain);
    if (evaluating.length === 0) continue;
    // A user's .tflite has no Mobile artifact: its own file on tflite-node is the reference then.
    const mobile = model.artifacts.find((artifact) => artifact.format === 'tfjs') ?? model.artifacts.find((artifact) => artifact.format === 'tflite');
    if (!mobile) continue;
    try {
      const reference = await ensureReference({ ...options, artifact: mobile, metadata: model.metadata });
      for (const { job } of evaluating) job.referencePath = reference.path;
      timings.push({ model: model.model, runtime: reference.runtime, images: reference.images, seconds: reference.seconds, cached: reference.cached });
    } catch (error) {
      if (options.signal.aborted) break;
      options.log.warn(`${model.model}: no agreement reference (${firstLine(error)}); accuracy is still measured`);
    }
  }
  return timings;
}

/**
 * Makes each model's training pack and the host's retrain of it, and points
 * its retrain jobs at them. A model whose pack cannot be made fails its
 * retrain jobs (phase setup) and only those; without the host's accuracy
 * the jobs still run, unchecked.
 */
async function attachRetrainPacks(jobs: PlannedJob[], store: RunRecordStore, options: { config: ResolvedConfig; log: Logger; out: string; cwd: string; signal: AbortSignal }): Promise<void> {
  const { ensureTrainPack, hostRetrain } = await import('./retrain-workload.ts');
  const models = [...new Set(jobs.filter(({ job }) => job.retrain).map(({ job }) => job.artifact.model))];
  for (const model of models) {
    if (options.signal.aborted) return;
    const mine = jobs.filter(({ job }) => job.retrain && job.artifact.model === model);
    const { job: first } = mine[0]!;
    let pack: Awaited<ReturnType<typeof ensureTrainPack>>;
    try {
      pack = await ensureTrainPack({ ...options, metadata: first.metadata });
    } catch (error) {
      options.log.warn(`${model}: no training pack (${firstLine(error)}): its retrain jobs fail`);
      for (const planned of mine) {
        store.addFailure(failure(planned.job, 'setup', error));
        jobs.splice(jobs.indexOf(planned), 1);
      }
      continue;
    }
    try {
      const started = performance.now();
      const host = await hostRetrain({ artifact: first.artifact, metadata: first.metadata, packDir: pack.dir, trainPack: pack.pack, evalPackDir: first.evalPackDir, settings: first.retrain!.settings, out: options.out });
      options.log.info(`${model}: the host's retrain reaches ${(host.accuracy * 100).toFixed(1)}% on ${host.backend}${host.cached ? ' (cached)' : ` in ${((performance.now() - started) / 1000).toFixed(1)} s`}`);
      for (const { job } of mine) job.retrain = { ...job.retrain!, packDir: pack.dir, host: { accuracy: host.accuracy, backend: host.backend } };
    } catch (error) {
      options.log.warn(`${model}: the host's retrain failed (${firstLine(error)}): targets' accuracy is not checked against it`);
    }
  }
}

/** Each job's duration in earlier runs of the same benchmark, where there is one (for the ETA). */
function historyEstimates(jobs: PlannedJob[], history: RunRecord[]): (number | undefined)[] {
  const durations = durationsFromHistory(history);
  return jobs.map(({ target, job }) => durations.get(jobPlanId(job, target.kind)));
}

/** The download size of each page runtime in the plan (JS bundle + wasm), for the report's size comparison. */
async function recordRuntimeSizes(jobs: PlannedJob[], store: RunRecordStore, log: Logger): Promise<void> {
  const sizes = new Map<string, RuntimeSize>();
  for (const target of new Set(jobs.map(({ target }) => target))) {
    if (!target.runtimeSizes) continue;
    const planned = [...new Set(jobs.filter((entry) => entry.target === target).map(({ job }) => job.runtime))].filter((runtime) => !sizes.has(runtime));
    if (planned.length === 0) continue;
    try {
      for (const size of await target.runtimeSizes(planned)) sizes.set(size.runtime, size);
    } catch (error) {
      log.warn(`runtime download sizes not measured (${target.kind}): ${firstLine(error)}`);
    }
  }
  if (sizes.size) store.setRuntimeSizes([...sizes.values()]);
}

/** Calls each target's prepare once; a target that cannot prepare fails its jobs (phase setup) and leaves the plan. */
async function prepareTargets(active: ActiveTarget[], jobs: PlannedJob[], context: TargetContext, store: RunRecordStore): Promise<void> {
  for (const { target, devices } of active) {
    if (!target.prepare || context.signal.aborted) continue;
    try {
      await target.prepare(context, devices);
    } catch (error) {
      context.log.warn(`${target.kind}: preparation failed: ${firstLine(error)}`);
      for (let index = jobs.length - 1; index >= 0; index -= 1) {
        const planned = jobs[index]!;
        if (planned.target !== target) continue;
        store.addFailure(failure(planned.job, 'setup', error));
        jobs.splice(index, 1);
      }
    }
  }
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
  jobs: PlannedJob[],
  context: TargetContext,
  store: RunRecordStore,
  estimates: (number | undefined)[],
  evaluations: Map<PlannedJob, EvaluationPlan>,
): Promise<RunTimings['jobs']> {
  if (jobs.length === 0) return [];
  const { rounds, order, seed, cooldownMs } = context.config.run;
  context.log.info(`${jobs.length} job${jobs.length === 1 ? '' : 's'} on ${store.record.devices.length} device${store.record.devices.length === 1 ? '' : 's'}${rounds > 1 ? `, ${rounds} rounds each (${order})` : ''}`);
  const schedule = scheduleRounds(jobs, { rounds, order, seed });
  const progress = context.log.progress('benchmarks', schedule.length);
  const eta = new Eta(schedule.map(({ job }) => {
    const estimate = estimates[jobs.indexOf(job)];
    return estimate === undefined ? undefined : estimate / rounds;
  }));
  const measured = new Map<PlannedJob, { round: number; measurement: Measurement }[]>();
  const merged = new Map<PlannedJob, Measurement>();
  const failedJobs = new Set<PlannedJob>();
  const timings = new Map<PlannedJob, RunTimings['jobs'][number]>();
  const startedLanes = new Set<string>();
  let done = 0;
  await runInLanes(
    schedule,
    ({ job: planned }) => planned.job.device,
    async (item) => {
      const { job: planned, round } = item;
      if (context.signal.aborted) return 'stop';
      const label = `${planned.job.artifact.id} ${planned.job.runtime}${planned.job.retrain ? ' retrain' : ` b${planned.job.kernel.batchSize}`}${rounds > 1 ? ` round ${round}/${rounds}` : ''}`;
      const tick = (text: string, seconds: number) => {
        eta.done(schedule.indexOf(item), seconds);
        done += 1;
        const left = eta.remainingSeconds();
        progress.tick(1, `${text} [${done}/${schedule.length}${left === undefined || done === schedule.length ? '' : `, ETA ${formatDuration(left)}`}]`);
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
        const all = [...(measured.get(planned) ?? []), { round, measurement: result.measurement }];
        measured.set(planned, all);
        const measurement = stampEvaluation(mergeRounds(all), evaluations.get(planned));
        store.replaceMeasurement(merged.get(planned), measurement);
        merged.set(planned, measurement);
        const images = measurement.evaluation?.images ?? null;
        const reusedFrom = measurement.evaluation?.reusedFrom;
        timings.set(planned, { id: keyId(measurement.key), seconds: (timing?.seconds ?? 0) + seconds, ok: timing?.ok ?? true, images, ...(reusedFrom ? { reusedFrom } : {}) });
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
  progress.done(`${store.record.measurements.length} measured, ${store.record.failures.length} failed`);
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

