/**
 * `bench run`: benchmarks every artifact on every runtime of every device the
 * targets find, writing each result to the run record as it comes.
 *
 * Plan: artifacts × devices × available runtimes (narrowed by run.backends)
 * × batch sizes. Before the jobs, each model's agreement reference (its
 * Mobile artifact on TF.js `cpu` over the evaluation pack) is made or read
 * from eval/reference.json. Jobs run one at a time per machine (./lanes.ts):
 * the Node target and the browsers share the host's CPU, phones run in
 * parallel with it and with each other. A failing job is recorded with its phase and the run
 * goes on; Ctrl-C (the signal) stops after the current job and marks the
 * record interrupted.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listArtifacts, trainingSummary, type ModelArtifacts } from './artifacts.ts';
import type { ResolvedConfig } from './core/config.ts';
import { UserError } from './core/errors.ts';
import { gitInfo, hostInfo } from './core/host.ts';
import { firstLine } from './core/format.ts';
import type { Logger } from './core/log.ts';
import { keyId, type RunRecord, type RuntimeSize, type TargetKind } from './core/record.ts';
import { RunRecordStore } from './record-store.ts';
import { formatSummary } from './summary.ts';
import { PACK_JSON } from './core/eval-pack.ts';
import { evalPackDir } from './core/layout.ts';
import type { KernelOptions } from '../targets/kernel/types.ts';
import { failed, failure, jobKeyOptions } from '../targets/result.ts';
import { runInLanes } from './lanes.ts';
import { discoverKinds, targetFactories } from './targets.ts';
import type { DiscoveredDevice, Job, JobResult, RuntimeStatus, Target, TargetContext } from '../targets/types.ts';

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
}

interface PlannedJob {
  target: Target;
  job: Job;
}

interface ActiveTarget {
  target: Target;
  devices: DiscoveredDevice[];
}

export async function runBenchmarks(options: RunOptions): Promise<RunOutcome> {
  const { config, log, out } = options;
  const signal = options.signal ?? new AbortController().signal;
  const context: TargetContext = { config, log, out, signal };

  const listing = await listArtifacts(out, config.models);
  for (const missing of listing.missing) log.warn(`${missing.model}: skipped, ${missing.reason} (run \`bench retrain\` first)`);
  if (listing.models.length === 0) {
    throw new UserError(`nothing to benchmark: no retrained model among ${config.models.join(', ')} in ${out} (run \`bench retrain\` first, or pick models with --model)`, 'NO_ARTIFACTS');
  }
  const artifacts = listing.models.flatMap((model) => model.artifacts);

  const store = RunRecordStore.create(out, {
    host: hostInfo(),
    ...optionalGit(options.cwd ?? process.cwd()),
    config,
    artifacts,
    training: listing.models.map((model) => trainingSummary(model.metadata)),
    runtimeSizes: [],
  });
  log.info(`run ${store.record.runId}: ${artifacts.length} artifact${artifacts.length === 1 ? '' : 's'} of ${listing.models.map((model) => model.model).join(', ')}`);

  const active: ActiveTarget[] = [];
  try {
    active.push(...(await discoverTargets(options, context)));
    store.addDevices(active.flatMap((entry) => entry.devices.map((found) => found.device)));
    warnUnknownBackends(config, active, log);

    const jobs = await planJobs(listing.models, active, config, out, log);
    if (jobs.length === 0) log.warn('no job to run: no available runtime matches the artifacts (see `bench devices`)');
    else await attachReferences(jobs, listing.models, { config, log, out, signal, inProcess: options.referenceInProcess ?? false });

    await recordRuntimeSizes(jobs, store, log);
    await prepareTargets(active, jobs, context, store);
    await runLanes(jobs, context, store);
  } finally {
    for (const { target } of active) {
      try {
        await target.dispose?.();
      } catch (error) {
        log.warn(`${target.kind}: cleanup failed: ${(error as Error).message}`);
      }
    }
    store.finish(signal.aborted ? 'interrupted' : 'complete');
  }

  for (const line of formatSummary(store.record)) log.info(line);
  if (signal.aborted) log.warn(`interrupted: ${store.record.measurements.length} measurement(s) kept in ${store.path}`);
  else log.info(`run record: ${store.path}`);
  return { runId: store.record.runId, recordPath: store.path, record: store.record };
}

function optionalGit(cwd: string): { git?: { commit: string; dirty: boolean } } {
  const git = gitInfo(cwd);
  return git ? { git } : {};
}

/** Imports and asks each target in run.targets; one that is missing or finds nothing is one info line, not an error. */
async function discoverTargets(options: RunOptions, context: TargetContext): Promise<ActiveTarget[]> {
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
      for (const runtime of candidate.runtimes.filter((entry) => entry.available && entry.software && !config.run.backends)) {
        log.info(`${kind} ${candidate.device.name}: ${runtime.runtime} left out of the default plan (${runtime.software}); include it with --backends ${runtime.runtime}`);
      }
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

/**
 * Whether a runtime found available joins the plan: the ones `run.backends`
 * names, else every one except those on a software device (a CPU standing in
 * for a GPU measures nothing a GPU user wants, and slowly).
 */
function inPlan(runtime: RuntimeStatus, config: ResolvedConfig): boolean {
  if (!runtime.available) return false;
  return config.run.backends ? config.run.backends.includes(runtime.runtime) : !runtime.software;
}

async function packCount(dir: string): Promise<number | undefined> {
  const path = join(dir, PACK_JSON);
  if (!existsSync(path)) return undefined;
  try {
    return (JSON.parse(await readFile(path, 'utf8')) as { count: number }).count;
  } catch {
    return undefined;
  }
}

async function planJobs(models: ModelArtifacts[], active: ActiveTarget[], config: ResolvedConfig, out: string, log: Logger): Promise<PlannedJob[]> {
  const batchSizes = [...new Set(config.run.batchSizes)].sort((a, b) => a - b);
  const jobs: PlannedJob[] = [];
  for (const model of models) {
    const packDir = evalPackDir(out, model.model);
    const count = await packCount(packDir);
    if (count === undefined) log.warn(`${model.model}: no evaluation pack in ${packDir}: latency only, no accuracy (retrain to make one)`);
    for (const { target, devices } of active) {
      for (const found of devices) {
        const runtimes = found.runtimes.filter((runtime) => inPlan(runtime, config));
        for (const runtime of runtimes) {
          for (const artifact of model.artifacts.filter((candidate) => candidate.format === runtime.format)) {
            for (const batchSize of batchSizes) {
              // Accuracy does not depend on the batch size: evaluate once per artifact and runtime, at the smallest.
              const evaluate = count !== undefined && count > 0 && batchSize === batchSizes[0];
              const kernel: KernelOptions = {
                warmupIterations: config.run.warmupIterations,
                minSamples: config.run.minSamples,
                minTimeMs: config.run.minTimeMs,
                maxTimeMs: config.run.maxTimeMs,
                batchSize,
                evaluate,
                ...(config.run.evalLimit !== undefined ? { evalLimit: config.run.evalLimit } : {}),
              };
              jobs.push({ target, job: { artifact, metadata: model.metadata, evalPackDir: packDir, device: found.device, runtime: runtime.runtime, kernel, runtimeOptions: {} } });
            }
          }
        }
      }
    }
  }
  return jobs;
}

/** Makes or reuses each model's reference outputs and points its evaluating jobs at them. */
async function attachReferences(
  jobs: PlannedJob[],
  models: ModelArtifacts[],
  options: { config: ResolvedConfig; log: Logger; out: string; signal: AbortSignal; inProcess: boolean },
): Promise<void> {
  const { ensureReference } = await import('../targets/node/reference.ts');
  for (const model of models) {
    if (options.signal.aborted) return;
    const evaluating = jobs.filter(({ job }) => job.artifact.model === model.model && job.kernel.evaluate !== false);
    if (evaluating.length === 0) continue;
    const mobile = model.artifacts.find((artifact) => artifact.format === 'tfjs');
    if (!mobile) continue;
    try {
      const referencePath = await ensureReference({ ...options, artifact: mobile, metadata: model.metadata });
      for (const { job } of evaluating) job.referencePath = referencePath;
    } catch (error) {
      if (options.signal.aborted) return;
      options.log.warn(`${model.model}: no agreement reference (${firstLine(error)}); accuracy is still measured`);
    }
  }
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
        store.addFailure(failure({ job: planned.job, target: target.kind, options: jobKeyOptions(planned.job) }, 'setup', error));
        jobs.splice(index, 1);
      }
    }
  }
}

async function runLanes(jobs: PlannedJob[], context: TargetContext, store: RunRecordStore): Promise<void> {
  if (jobs.length === 0) return;
  context.log.info(`${jobs.length} job${jobs.length === 1 ? '' : 's'} on ${store.record.devices.length} device${store.record.devices.length === 1 ? '' : 's'}`);
  const progress = context.log.progress('benchmarks', jobs.length);
  await runInLanes(
    jobs,
    (planned) => planned.job.device,
    async (planned) => {
      if (context.signal.aborted) return 'stop';
      const result = await runOne(planned, context);
      // A job stopped by Ctrl-C did not fail; the harness's own abort may not have arrived yet.
      if (!result.ok && result.failure.error.name === 'AbortError') return 'stop';
      const label = `${planned.job.artifact.id} ${planned.job.runtime} b${planned.job.kernel.batchSize}`;
      if (result.ok) {
        store.addMeasurement(result.measurement);
        progress.tick(1, `${label}: p50 ${result.measurement.latency.p50.toFixed(2)} ms`);
      } else {
        store.addFailure(result.failure);
        context.log.warn(`${keyId(result.failure.key)} failed in ${result.failure.phase}: ${result.failure.error.message.split('\n')[0]}`);
        progress.tick(1, `${label}: failed`);
      }
      return 'next';
    },
  );
  progress.done(`${store.record.measurements.length} measured, ${store.record.failures.length} failed`);
}

/** A target that throws instead of returning a failure still yields a failure. */
async function runOne({ target, job }: PlannedJob, context: TargetContext): Promise<JobResult> {
  try {
    return await target.run(job, context);
  } catch (error) {
    return failed({ job, target: target.kind, options: jobKeyOptions(job) }, 'setup', error);
  }
}

