/**
 * Agreement references: each model's outputs on an exact engine over its
 * evaluation pack (made by the target that has the `reference` hook, the
 * Node target), that every evaluating job's top-1 is checked against.
 *
 * The run's references phase makes or reads them and points the jobs at
 * them. `bench all` also starts them ahead of the run (each in a worker
 * process, on one core) as soon as retraining has written the Mobile
 * artifacts, while conversion works on the other core. Nothing is measured
 * then, so the overlap costs no measurement anything; the run then finds
 * each reference in eval/reference.json.
 */
import { artifactId, describeFiles, loadGzipSizes, mobileArtifactFiles, saveGzipSizes, type ModelArtifacts } from './artifacts.ts';
import type { ResolvedConfig } from './core/config.ts';
import { firstLine } from './core/format.ts';
import { mobileModelPath } from './core/layout.ts';
import type { Logger } from './core/log.ts';
import type { ModelMetadata } from './core/metadata.ts';
import type { ArtifactInfo } from './core/record.ts';
import type { ActiveTarget, PlannedJob } from './plan.ts';
import { referenceTarget, type TargetFactories } from './targets.ts';
import type { TargetContext } from '../targets/types.ts';

export interface PrefetchOptions {
  config: ResolvedConfig;
  log: Logger;
  out: string;
  signal?: AbortSignal;
}

/** How each reference came to be (as RunTimings['references']). */
export interface PrefetchedReference {
  model: string;
  runtime: string;
  images: number;
  seconds: number;
  cached: boolean;
}

/** Makes (or finds) each model's reference; never throws: the run tries again and says why if one is still missing. */
export async function prefetchReferences(models: { model: string; metadata: ModelMetadata }[], options: PrefetchOptions): Promise<PrefetchedReference[]> {
  const maker = await referenceTarget([]);
  if (!maker) return [];
  const context: TargetContext = { config: options.config, log: options.log, out: options.out, signal: options.signal ?? new AbortController().signal };
  const made: PrefetchedReference[] = [];
  // The run describes the same files again: the gzip sizes worked out here are kept for it.
  const gzipSizes = await loadGzipSizes(options.out);
  for (const { model, metadata } of models) {
    if (options.signal?.aborted) break;
    try {
      const path = mobileModelPath(options.out, model);
      const artifact: ArtifactInfo = { id: artifactId(model, 'tfjs', 'float32'), model, format: 'tfjs', variant: 'float32', path, ...(await describeFiles(await mobileArtifactFiles(path), gzipSizes)) };
      await saveGzipSizes(options.out, gzipSizes);
      const reference = await maker.reference!({ artifact, metadata }, context);
      made.push({ model, runtime: reference.runtime, images: reference.images, seconds: reference.seconds, cached: reference.cached });
    } catch (error) {
      if (!options.signal?.aborted) options.log.debug(`${model}: reference ahead of the run failed (${firstLine(error)}); the run will try again`);
    }
  }
  return made;
}

/**
 * The references phase: makes or reuses each model's reference and returns
 * the jobs with their `referencePath` set (new jobs; the plan given is left
 * as it was). A model whose reference cannot be made is a warning: its jobs
 * still measure accuracy, without agreement.
 */
export async function withReferences(
  jobs: readonly PlannedJob[],
  models: readonly ModelArtifacts[],
  context: TargetContext,
  options: { active: readonly ActiveTarget[]; factories?: TargetFactories; inProcess?: boolean; handOver?: false },
): Promise<{ jobs: PlannedJob[]; timings: PrefetchedReference[] }> {
  const timings: PrefetchedReference[] = [];
  const paths = new Map<string, string>();
  const evaluates = (planned: PlannedJob) => planned.job.kernel.evaluate !== false && !planned.job.retrain;
  const needed = models.filter((model) => jobs.some((planned) => planned.job.artifact.model === model.model && evaluates(planned)));
  const maker = needed.length ? await referenceTarget(options.active, options.factories) : undefined;
  if (needed.length && !maker) context.log.warn('no target makes agreement references: accuracy is measured without agreement');
  for (const model of needed) {
    if (context.signal.aborted || !maker) break;
    // A user's .tflite has no Mobile artifact: its own file on tflite-node is the reference then.
    const mobile = model.artifacts.find((artifact) => artifact.format === 'tfjs') ?? model.artifacts.find((artifact) => artifact.format === 'tflite');
    if (!mobile) continue;
    try {
      const reference = await maker.reference!({ artifact: mobile, metadata: model.metadata, ...(options.inProcess ? { inProcess: true } : {}), ...(options.handOver === false ? { handOver: false } : {}) }, context);
      paths.set(model.model, reference.path);
      timings.push({ model: model.model, runtime: reference.runtime, images: reference.images, seconds: reference.seconds, cached: reference.cached });
    } catch (error) {
      if (context.signal.aborted) break;
      context.log.warn(`${model.model}: no agreement reference (${firstLine(error)}); accuracy is still measured`);
    }
  }
  return {
    jobs: jobs.map((planned) => {
      const path = paths.get(planned.job.artifact.model);
      return path && evaluates(planned) ? { ...planned, job: { ...planned.job, referencePath: path } } : planned;
    }),
    timings,
  };
}
