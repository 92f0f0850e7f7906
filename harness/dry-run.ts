/**
 * `bench run --dry-run` and `bench all --dry-run`: the plan before the run.
 * Every job the run would do, with an estimated duration and the total,
 * without measuring anything or writing a record: an estimate comes from
 * earlier runs of the same job (./estimate.ts), else from a one-inference
 * probe of the artifact on its runtime, else from the figures shipped with
 * edgebench scaled by a CPU probe (./cold-estimate.ts), else it is "unknown".
 *
 * For `bench all` a model not retrained yet is planned with the artifacts
 * retraining and conversion will make, and the host work still to do (the
 * dataset, each model's retraining and conversion) is estimated the same
 * way: what a cold folder costs is known before anything is built.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { artifactId, listArtifacts, type ModelArtifacts } from './artifacts.ts';
import { modelIds, userModels, type ResolvedConfig } from './core/config.ts';
import { UserError } from './core/errors.ts';
import { evalPackDir, generatedDatasetDir, liteModelPath, metadataPath, mobileModelPath } from './core/layout.ts';
import type { ModelMetadata } from './core/metadata.ts';
import { RECORD_SCHEMA, type RunRecord, type TargetKind } from './core/record.ts';
import { probedColdBasis, shippedDatasetSeconds, shippedHostSeconds, shippedJobSeconds, type ColdBasis } from './cold-estimate.ts';
import { durationsFromHistory, estimateFromProbe, formatDuration, jobPlanId, probeKernel, type Estimate } from './estimate.ts';
import { listRuns, readRunRecord } from './history.ts';
import { leftOutLine, packCount, planJobs, type PlannedJob } from './plan.ts';
import type { RunOptions } from './run.ts';
import { discoverTargets, disposeTargets } from './targets.ts';
import { resolveBackbone } from '../models/zoo.ts';
import type { TargetContext } from '../targets/types.ts';
import { engineOf } from '../reports/engines.ts';

export interface DryRunOptions extends Pick<RunOptions, 'config' | 'log' | 'out' | 'signal' | 'targets'> {
  /** `bench all`: plan models that are not retrained yet with the artifacts they will have. */
  prospective?: boolean;
  /** Probe jobs that have no history (default true). */
  probe?: boolean;
}

export interface PlannedEstimate {
  /** artifact@target:device/runtime#batch */
  id: string;
  artifact: string;
  target: TargetKind;
  device: string;
  runtime: string;
  batchSize: number;
  estimate: Estimate;
}

/** `bench all`'s host work for one model (or the dataset) before its jobs: what is cached, what will be made, how long that takes. */
export interface HostWork {
  /** A model id, or `dataset`. */
  subject: string;
  /** What is left to do, in words. */
  todo: string;
  /** Undefined when nothing tells (a user's own images, a model the shipped figures lack). */
  seconds: number | undefined;
}

export interface DryRunOutcome {
  jobs: PlannedEstimate[];
  /** Runtimes the default plan leaves out, one line each (software GPUs). */
  leftOut: string[];
  /** Sum of the known job estimates, seconds. */
  knownSeconds: number;
  /** Jobs without an estimate. */
  unknown: number;
  /** `bench all`: the host work before the jobs (empty for `bench run`). */
  host: HostWork[];
  /** Jobs and known host work together, seconds. */
  totalSeconds: number;
  /** Where the shipped estimates come from, when any was used. */
  basis?: string;
}

/** The artifacts retraining and conversion will make for a model that has none yet. */
export function prospectiveModel(out: string, model: string, config: ResolvedConfig): ModelArtifacts {
  const spec = resolveBackbone(model, config);
  const placeholder = { bytes: 0, gzipBytes: 0, sha256: '' };
  // Only what planning reads; these jobs are listed, never run.
  const metadata = { schema: 1, model, backbone: spec.id, inputSize: spec.inputSize, normalization: spec.normalization, classNames: [] } as unknown as ModelMetadata;
  return {
    model,
    metadata,
    artifacts: [
      { id: artifactId(model, 'tfjs', 'float32'), model, format: 'tfjs', variant: 'float32', path: mobileModelPath(out, model), ...placeholder },
      ...config.convert.variants.map((variant) => ({ id: artifactId(model, 'tflite', variant), model, format: 'tflite' as const, variant, path: liteModelPath(out, model, variant), ...placeholder })),
    ],
  };
}

/** Earlier runs of this benchmark, oldest first (a dry run has no record of its own to compare with). */
export async function history(out: string): Promise<RunRecord[]> {
  const { runs } = await listRuns(out);
  const records: RunRecord[] = [];
  for (const run of runs.slice(-20)) {
    if (run.schema !== RECORD_SCHEMA) continue;
    try {
      records.push(await readRunRecord(run.path));
    } catch {
      // Listed a moment ago and gone or broken since: not an estimate.
    }
  }
  return records;
}

/** A job's estimate from the shipped figures alone (unknown for a runtime class they lack). */
export function shippedEstimate({ target, job }: PlannedJob, config: ResolvedConfig, basis: ColdBasis): Estimate {
  const seconds = shippedJobSeconds({ artifact: job.artifact.id, target: target.kind, engine: engineOf(job.device), runtime: job.runtime, batchSize: job.kernel.batchSize, ...(job.workload ? { workload: job.workload } : {}) }, config, basis);
  return seconds === undefined ? { seconds: undefined, source: 'unknown' } : { seconds, source: 'shipped' };
}

/** One inference of the job on its runtime, turned into an estimate of the whole job; undefined when the probe fails. */
async function probe(planned: PlannedJob, context: TargetContext, packImages: number): Promise<number | undefined> {
  const { target, job } = planned;
  const started = performance.now();
  const result = await target.run({ ...job, kernel: probeKernel(job.kernel) }, context).catch(() => undefined);
  if (!result?.ok) return undefined;
  const wallMs = performance.now() - started;
  return estimateFromProbe({ wallMs, inferenceMs: result.measurement.latency.mean }, job.kernel, packImages);
}

export async function dryRun(options: DryRunOptions): Promise<DryRunOutcome> {
  const { config, log, out } = options;
  const signal = options.signal ?? new AbortController().signal;
  const context: TargetContext = { config, log, out, signal };
  const listing = await listArtifacts(out, modelIds(config), { flops: false });
  // The user's own model files are imported when a run starts (that writes): a dry run cannot plan them.
  for (const entry of userModels(config)) log.info(`${entry.path}: imported when the run starts; not planned here`);
  const models = [...listing.models];
  for (const missing of listing.missing) {
    if (options.prospective) models.push(prospectiveModel(out, missing.model, config));
    else log.warn(`${missing.model}: skipped, ${missing.reason} (run \`bench retrain\` first)`);
  }
  if (models.length === 0) throw new UserError(`nothing to plan: no retrained model among ${modelIds(config).join(', ') || 'the models given'} in ${out} (run \`bench retrain\` first, or pick models with --model)`, 'NO_ARTIFACTS');

  // The CPU probe runs once, before the browsers start beside it (they slowed it 2×); used only where a shipped figure is needed.
  const basis: ColdBasis = await probedColdBasis();
  let used = false;
  const cold = () => ((used = true), basis);
  const active = await discoverTargets(context, options.targets);
  try {
    const plan = await planJobs(models, active, config, out);
    const durations = durationsFromHistory(await history(out));
    const packs = new Map<string, number>();
    for (const model of models) packs.set(model.model, (await packCount(evalPackDir(out, model.model))) ?? 0);
    const prepared = new Set<string>();
    const jobs: PlannedEstimate[] = [];
    for (const planned of plan.jobs) {
      if (signal.aborted) break;
      const { target, job } = planned;
      const id = jobPlanId(job);
      let estimate: Estimate = { seconds: undefined, source: 'unknown' };
      const known = durations.get(id);
      if (known !== undefined) estimate = { seconds: known, source: 'history' };
      // A retrain job has no one-inference probe: it is estimated from earlier runs or the shipped figures.
      else if (options.probe !== false && !job.retrain && existsSync(job.artifact.path)) {
        if (!prepared.has(target.kind)) {
          prepared.add(target.kind);
          await target.prepare?.(context, active.find((entry) => entry.target === target)?.devices ?? []).catch((error: unknown) => log.warn(`${target.kind}: cannot prepare for probes: ${(error as Error).message.split('\n')[0]}`));
        }
        log.info(`probing ${job.artifact.id} on ${job.runtime} (${job.device.name})`);
        const seconds = await probe(planned, context, packs.get(job.artifact.model) ?? 0);
        if (seconds !== undefined) estimate = { seconds, source: 'probe' };
      }
      if (estimate.seconds === undefined) estimate = shippedEstimate(planned, config, cold());
      jobs.push({ id, artifact: job.artifact.id, target: target.kind, device: job.device.id, runtime: job.runtime, batchSize: job.kernel.batchSize, estimate });
    }
    const knownSeconds = jobs.reduce((sum, entry) => sum + (entry.estimate.seconds ?? 0), 0);
    const host = options.prospective ? await hostWork(config, out, cold) : [];
    const totalSeconds = knownSeconds + host.reduce((sum, entry) => sum + (entry.seconds ?? 0), 0);
    return {
      jobs,
      leftOut: plan.leftOut.map(leftOutLine),
      knownSeconds,
      unknown: jobs.filter((entry) => entry.estimate.seconds === undefined).length,
      host,
      totalSeconds,
      ...(used ? { basis: basis.line } : {}),
    };
  } finally {
    await disposeTargets(active, log);
  }
}

/** The plan as lines: one per job with its estimate, the left-out runtimes, then the total. */
export function formatDryRun(outcome: DryRunOutcome): string[] {
  const lines: string[] = [];
  const width = Math.max(0, ...outcome.jobs.map((entry) => entry.id.length));
  for (const entry of outcome.jobs) {
    const estimate = entry.estimate.seconds === undefined ? 'unknown' : `~${formatDuration(entry.estimate.seconds)} (${entry.estimate.source})`;
    lines.push(`  ${entry.id.padEnd(width)}  ${estimate}`);
  }
  for (const line of outcome.leftOut) lines.push(`left out: ${line}`);
  if (outcome.basis) lines.push(outcome.basis);
  const unknown = outcome.unknown ? ` + ${outcome.unknown} job${outcome.unknown === 1 ? '' : 's'} unknown` : '';
  const jobs = `${outcome.jobs.length} job${outcome.jobs.length === 1 ? '' : 's'}`;
  const hostSeconds = outcome.totalSeconds - outcome.knownSeconds;
  const total = outcome.host.length ? `total ~${formatDuration(outcome.totalSeconds)} (host work ~${formatDuration(hostSeconds)}, jobs ~${formatDuration(outcome.knownSeconds)}${unknown})` : `total ~${formatDuration(outcome.knownSeconds)}${unknown}`;
  lines.push(`${jobs}, ${total}; nothing was measured (dry run)`);
  return lines;
}

/**
 * What `bench all` still has to do before the jobs, per model: retrain
 * (unless metadata.json says it was: its head is kept when nothing changed)
 * and convert the variants not written yet; and the generated dataset.
 */
export async function hostWork(config: ResolvedConfig, out: string, cold: () => ColdBasis): Promise<HostWork[]> {
  const work: HostWork[] = [];
  const models = modelIds(config);
  const retrained = models.filter((model) => existsSync(metadataPath(out, model)));
  const datasetMade = retrained.length > 0 || (config.dataset.images === undefined && existsSync(generatedDatasetDir(out, config.dataset.seed, config.dataset.imagesPerClass)));
  if (!datasetMade && config.dataset.images === undefined) work.push({ subject: 'dataset', todo: `generate the default dataset (${config.dataset.imagesPerClass} images per class)`, seconds: shippedDatasetSeconds(config, cold(), false) });
  for (const model of models) {
    const isRetrained = retrained.includes(model);
    const missing = config.convert.variants.filter((variant) => !existsSync(liteModelPath(out, model, variant)));
    const todo: string[] = [];
    if (!isRetrained) todo.push('retrain (bottlenecks, head, Mobile artifact)');
    else {
      const metadata = JSON.parse(await readFile(metadataPath(out, model), 'utf8')) as ModelMetadata;
      const last = metadata.training ? ` (~${formatDuration(metadata.training.trainSeconds)} last time)` : '';
      todo.push(`retrain the head${last} only if the dataset or settings changed (bottlenecks cached)`);
    }
    todo.push(missing.length ? `convert ${missing.join(', ')}` : 'every variant converted (reused when unchanged)');
    work.push({ subject: model, todo: todo.join('; '), seconds: shippedHostSeconds(model, config, cold(), { retrained: isRetrained, converted: missing.length === 0 }) });
  }
  return work;
}

/** The host work as lines, before the jobs. */
export function formatPreparation(host: readonly HostWork[]): string[] {
  return host.map((entry) => `${entry.subject}: ${entry.todo}: ${entry.seconds === undefined ? 'not estimated (no figure for it)' : entry.seconds === 0 ? 'nothing to do' : `~${formatDuration(entry.seconds)} (shipped)`}`);
}
