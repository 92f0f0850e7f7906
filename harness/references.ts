/**
 * Agreement references made ahead of the run: `bench all` starts them (each
 * in a worker process, on one core) as soon as retraining has written the
 * Mobile artifacts, while conversion works on the other core. Nothing is
 * measured then, so the overlap costs no measurement anything; the run then
 * finds each reference in eval/reference.json.
 */
import { artifactId, describeFiles, loadGzipSizes, mobileArtifactFiles, saveGzipSizes } from './artifacts.ts';
import type { ResolvedConfig } from './core/config.ts';
import { firstLine } from './core/format.ts';
import { mobileModelPath } from './core/layout.ts';
import type { Logger } from './core/log.ts';
import type { ModelMetadata } from './core/metadata.ts';
import type { ArtifactInfo } from './core/record.ts';

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
  const { ensureReference } = await import('../targets/node/reference.ts');
  const made: PrefetchedReference[] = [];
  // The run describes the same files again: the gzip sizes worked out here are kept for it.
  const gzipSizes = await loadGzipSizes(options.out);
  for (const { model, metadata } of models) {
    if (options.signal?.aborted) break;
    try {
      const path = mobileModelPath(options.out, model);
      const artifact: ArtifactInfo = { id: artifactId(model, 'tfjs', 'float32'), model, format: 'tfjs', variant: 'float32', path, ...(await describeFiles(await mobileArtifactFiles(path), gzipSizes)) };
      await saveGzipSizes(options.out, gzipSizes);
      const reference = await ensureReference({ artifact, metadata, config: options.config, log: options.log, out: options.out, ...(options.signal ? { signal: options.signal } : {}) });
      made.push({ model, runtime: reference.runtime, images: reference.images, seconds: reference.seconds, cached: reference.cached });
    } catch (error) {
      if (!options.signal?.aborted) options.log.debug(`${model}: reference ahead of the run failed (${firstLine(error)}); the run will try again`);
    }
  }
  return made;
}
