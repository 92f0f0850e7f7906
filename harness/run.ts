/**
 * `bench run`: benchmarks every artifact on every runtime of every device the
 * targets find, writing each result to the run record as it comes.
 *
 * A run is a short sequence of phases, each taking data and returning new
 * data, none editing what an earlier one returned:
 *
 *   artifacts   the models' files (./artifacts.ts), the user's own imported first (./user-models.ts)
 *   discover    the targets' devices and runtimes (./targets.ts)
 *   plan        artifacts × devices × available runtimes × batch sizes, each job keyed once (./plan.ts)
 *   references  each evaluating job pointed at its model's agreement reference (./references.ts)
 *   host retrain each retrain job given its training pack and the host's accuracy (./host-retrain.ts)
 *   lanes       every round of every job, one job at a time per machine (./run-jobs.ts, ./lanes.ts)
 *   record      the run record (./record-store.ts), written as results come
 *
 * `openRun` discovers and opens the record; its `measure` runs the phases from
 * plan on for some models, and can be called again for more (`bench all`
 * measures each model as soon as it is retrained and converted: ./stream.ts).
 *
 * The plan a phase returns is the plan the next one reads, so what the
 * evaluation fingerprints (./evaluation-reuse.ts) see is the finished plan.
 * A failing job is recorded with its phase and the run goes on; Ctrl-C (the
 * signal) stops after the current job and marks the record interrupted.
 */
import { listArtifacts, trainingSummary, type ModelArtifacts } from './artifacts.ts';
import { modelIds, type ResolvedConfig } from './core/config.ts';
import { UserError } from './core/errors.ts';
import { recordGit } from './core/git.ts';
import { hostInfo } from './core/host.ts';
import type { Logger } from './core/log.ts';
import type { ArtifactInfo, Failure, RunRecord, TargetKind } from './core/record.ts';
import { measurementConditions } from './conditions.ts';
import { withHostRetrain } from './host-retrain.ts';
import { leftOutLine, planJobs, type ActiveTarget, type PlannedJob } from './plan.ts';
import { RunRecordStore } from './record-store.ts';
import { withReferences, type PrefetchedReference } from './references.ts';
import { measurePlan, type JobTiming, type MeasureOptions } from './run-jobs.ts';
import { discoverTargets, disposeTargets, prepareTargets, startTargetsEarly, warnUnknownBackends, type TargetFactories } from './targets.ts';
import { importUserModels } from './user-models.ts';
import { formatSummary } from '../reports/run-summary.ts';
import type { Target, TargetContext } from '../targets/types.ts';

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
  references: PrefetchedReference[];
  /** One per job that ran, in the order they finished: wall seconds, evaluation included. */
  jobs: JobTiming[];
}

/** A plan ready to run: its jobs, the failures of jobs that cannot run, how each model's reference came to be. */
export interface FinishedPlan {
  jobs: PlannedJob[];
  failures: Failure[];
  references: PrefetchedReference[];
}

/**
 * The plan phases: the jobs planned and keyed, pointed at their references,
 * given their training packs and the host's accuracy. Each phase returns a
 * new plan from the last; nothing is recorded here, so the same models and
 * targets can be planned again (the two sides of an A/B run).
 */
export async function finishedPlan(
  models: readonly ModelArtifacts[],
  active: readonly ActiveTarget[],
  context: TargetContext,
  options: { cwd: string; factories?: TargetFactories; referenceInProcess?: boolean; said?: Set<string>; only?: (artifact: ArtifactInfo) => boolean },
): Promise<FinishedPlan> {
  const { config, log, out, signal } = context;
  const planned = await planJobs(models, active, config, out);
  const plan = options.only ? { ...planned, jobs: planned.jobs.filter(({ job }) => options.only!(job.artifact)) } : planned;
  for (const missing of plan.noPack) log.warn(`${missing.model}: no evaluation pack in ${missing.dir}: latency only, no accuracy (retrain to make one)`);
  // A session planning model after model (bench all) says each left-out line once, not once per plan.
  for (const line of [...plan.leftOut.map(leftOutLine), ...plan.retrainNotes]) {
    if (options.said?.has(line)) continue;
    options.said?.add(line);
    log.info(line);
  }
  if (plan.jobs.length === 0) {
    log.warn('no job to run: no available runtime matches the artifacts (see `bench devices`)');
    return { jobs: [], failures: [], references: [] };
  }
  const referenced = await withReferences(plan.jobs, models, context, { active, ...(options.factories ? { factories: options.factories } : {}), inProcess: options.referenceInProcess ?? false });
  const retrained = await withHostRetrain(referenced.jobs, { config, log, out, cwd: options.cwd, signal });
  return { jobs: retrained.jobs, failures: retrained.failures, references: referenced.timings };
}

/**
 * An open run: targets discovered, the record opened, models measured into
 * it one call at a time (`bench run` measures all of them in one call;
 * `bench all` one model at a time, as each is retrained and converted).
 */
export interface RunSession {
  readonly store: RunRecordStore;
  /** The targets found, with their devices: what the plan is made from. */
  readonly active: readonly ActiveTarget[];
  /**
   * Settles when what the targets began at discovery (each browser's launch,
   * beside the untimed work before the first job) is done; never rejects.
   * Each target's prepare waits for its own part (so `measure` does);
   * timed host work outside a measure (bench all's bottlenecks) awaits this.
   */
  readonly started: Promise<void>;
  /**
   * Plans and measures these models' artifacts into the record (the
   * artifacts and training summaries added to it first). `etaAfter`: the
   * seconds of work the caller has left after these jobs, for the ETA.
   */
  measure(models: readonly ModelArtifacts[], options?: MeasureOptions): Promise<RunTimings>;
  /** Disposes the targets and finishes the record (`interrupted` after Ctrl-C). Call it once, always. */
  close(): Promise<void>;
}

/** Discovers the targets and opens the record; nothing is measured yet. */
export async function openRun(options: RunOptions): Promise<RunSession> {
  const { config, log, out } = options;
  const signal = options.signal ?? new AbortController().signal;
  const cwd = options.cwd ?? process.cwd();
  const context: TargetContext = { config, log, out, signal };
  const startedAt = new Date().toISOString();
  const active = await discoverTargets(context, options.targets);
  const started = startTargetsEarly(active, context);
  let store: RunRecordStore;
  try {
    // record: opened once the devices are known, with the conditions they set (CPU pinning).
    store = RunRecordStore.create(out, {
      startedAt,
      host: hostInfo(),
      ...recordGit(cwd),
      config,
      artifacts: [],
      training: [],
      runtimeSizes: [],
      conditions: measurementConditions(config, active, log),
    });
  } catch (error) {
    await disposeTargets(active, log);
    throw error;
  }
  // A second Ctrl-C exits at once (harness/interrupt.ts); the record still says it was interrupted.
  const markOnExit = () => {
    if (signal.aborted && store.record.status === 'running') store.finish('interrupted');
  };
  process.on('exit', markOnExit);
  log.info(`run ${store.record.runId}`);
  store.addDevices(active.flatMap((entry) => entry.devices.map((found) => found.device)));
  warnUnknownBackends(config, active, log);
  // Each target is prepared once, before its first job; one that failed to is tried again with the next model's jobs.
  const ready = new Set<Target>();
  const said = new Set<string>();
  return {
    store,
    active,
    started,
    async measure(models, measureOptions = {}) {
      const timings: RunTimings = { references: [], jobs: [] };
      if (models.length === 0 || signal.aborted) return timings;
      const artifacts = models.flatMap((model) => model.artifacts);
      store.addModels(artifacts, models.flatMap((model) => trainingSummary(model.metadata) ?? []));
      log.info(`${artifacts.length} artifact${artifacts.length === 1 ? '' : 's'} of ${models.map((model) => model.model).join(', ')}`);
      // plan, references, host retrain
      const plan = await finishedPlan(models, active, context, { cwd, ...(options.targets ? { factories: options.targets } : {}), referenceInProcess: options.referenceInProcess ?? false, said, ...(measureOptions.only ? { only: measureOptions.only } : {}) });
      timings.references = plan.references;
      for (const failure of plan.failures) store.addFailure(failure);
      // lanes
      const unprepared = active.filter((entry) => !ready.has(entry.target));
      const prepared = await prepareTargets(unprepared, plan.jobs.filter((planned) => !ready.has(planned.target)), context);
      for (const { target } of unprepared) if (!prepared.failedTargets.includes(target)) ready.add(target);
      for (const failure of prepared.failures) store.addFailure(failure);
      const jobs = plan.jobs.filter((planned) => ready.has(planned.target));
      timings.jobs = await measurePlan(jobs, context, store, measureOptions);
      return timings;
    },
    async close() {
      try {
        await disposeTargets(active, log);
      } finally {
        store.finish(signal.aborted ? 'interrupted' : 'complete');
        process.off('exit', markOnExit);
      }
    },
  };
}

/** The artifacts of these model ids; each model without them is one warning line. */
export async function runnableModels(out: string, ids: readonly string[], log: Logger): Promise<ModelArtifacts[]> {
  const listing = await listArtifacts(out, ids);
  for (const missing of listing.missing) log.warn(`${missing.model}: skipped, ${missing.reason} (run \`bench retrain\` first)`);
  return listing.models;
}

/** The whole run: every model of the config measured in one go, the summary printed. */
export async function runBenchmarks(options: RunOptions): Promise<RunOutcome> {
  const { config, log, out } = options;
  const cwd = options.cwd ?? process.cwd();
  // artifacts
  const ids = [...modelIds(config), ...(await importUserModels(config, out, log, cwd))];
  const models = await runnableModels(out, ids, log);
  if (models.length === 0) {
    throw new UserError(`nothing to benchmark: no retrained model among ${ids.join(', ') || 'the models given'} in ${out} (run \`bench retrain\` first, or give --model a model id or a model.json/.tflite path)`, 'NO_ARTIFACTS');
  }
  const session = await openRun(options);
  let timings: RunTimings;
  try {
    timings = await session.measure(models);
  } finally {
    await session.close();
  }
  const { store } = session;
  for (const line of formatSummary(store.record)) log.info(line);
  if (options.signal?.aborted) log.warn(`interrupted: ${store.record.measurements.length} measurement(s) kept in ${store.path}`);
  else log.info(`run record: ${store.path}`);
  return { runId: store.record.runId, recordPath: store.path, record: store.record, timings };
}
