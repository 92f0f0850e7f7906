/**
 * Makes the agreement reference: the Mobile artifact on TF.js `cpu`, over the
 * first N images of the evaluation pack, in a worker process like any job.
 */
import { join } from 'node:path';
import type { ResolvedConfig } from '../../harness/core/config.ts';
import type { Logger } from '../../harness/core/log.ts';
import type { ArtifactInfo } from '../../harness/core/record.ts';
import { readEvalPack } from '../../harness/core/eval-pack.ts';
import { evalPackDir } from '../../harness/core/layout.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { executeJob } from './execute.ts';
import { readReferenceFile, REFERENCE_RUNTIME, writeReferenceFile } from './reference-file.ts';
import { DEFAULT_RUNTIME_MODULE } from './runtimes.ts';

export { REFERENCE_RUNTIME, readReferenceFile, writeReferenceFile, readReferenceOutputs, type ReferenceFile } from './reference-file.ts';

export interface ReferenceRequest {
  /** model.json of the Mobile artifact (or, for a model with none, its .tflite). */
  artifactPath: string;
  /** Default REFERENCE_RUNTIME (TF.js cpu). */
  runtime?: string;
  metadata: ModelMetadata;
  evalPackDir: string;
  /** The first N pack images. */
  images: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Default true (own process). */
  isolate?: boolean;
  onOutput?: (line: string) => void;
}

/** Probabilities (images × classes) of the reference runtime; throws with the phase in the message on failure. */
export async function computeReferenceOutputs(request: ReferenceRequest): Promise<{ runtime: string; classes: number; probabilities: Float32Array }> {
  const runtime = request.runtime ?? REFERENCE_RUNTIME;
  const outcome = await executeJob(
    {
      runtime,
      runtimeModules: [DEFAULT_RUNTIME_MODULE],
      artifactPath: request.artifactPath,
      metadata: request.metadata,
      evalPackDir: request.evalPackDir,
      // Only the evaluation matters: one timed inference, batch 1 (the canonical shape).
      kernel: { warmupIterations: 0, minSamples: 1, minTimeMs: 0, maxTimeMs: 0, batchSize: 1, evalLimit: request.images, evaluate: true },
      threads: 1,
      returnOutputs: true,
    },
    { isolate: request.isolate ?? true, timeoutMs: request.timeoutMs, ...(request.signal ? { signal: request.signal } : {}), ...(request.onOutput ? { onOutput: request.onOutput } : {}) },
  );
  if (!outcome.ok) {
    const error = new Error(`${runtime} reference failed in ${outcome.phase}: ${outcome.error.message}`);
    error.name = outcome.error.name === 'AbortError' ? 'AbortError' : 'Error';
    throw error;
  }
  const { outputs, evaluation } = outcome.result;
  if (!outputs || !evaluation) throw new Error(`${runtime} reference produced no outputs (empty evaluation pack?)`);
  return { runtime, classes: outputs.length / evaluation.images, probabilities: outputs };
}

export interface EnsureReferenceOptions {
  /** The model's Mobile artifact. */
  artifact: ArtifactInfo;
  metadata: ModelMetadata;
  config: ResolvedConfig;
  log: Logger;
  out: string;
  signal?: AbortSignal;
  /** Compute in this process (tests); default in a worker process. */
  inProcess?: boolean;
}

/**
 * The path of `eval/reference.json` covering the images this run evaluates
 * (run.evalLimit, else the whole pack), computed when the cached file is
 * absent, from another artifact (sha256) or covers fewer images.
 */
export async function ensureReference(options: EnsureReferenceOptions): Promise<string> {
  const { artifact, metadata, config, log, out } = options;
  const packDir = evalPackDir(out, artifact.model);
  const pack = await readEvalPack(packDir);
  const images = Math.min(config.run.evalLimit ?? pack.count, pack.count);
  const path = join(packDir, 'reference.json');
  // A user's .tflite with no Mobile artifact is its own reference, on the Node TFLite runtime.
  const runtime = artifact.format === 'tflite' ? 'tflite-node' : REFERENCE_RUNTIME;
  const cached = await readReferenceFile(path);
  if (cached && cached.sha256 === artifact.sha256 && cached.runtime === runtime && cached.images >= images) {
    log.debug(`${artifact.model}: reference outputs from ${path} (${cached.images} images)`);
    return path;
  }
  log.info(`${artifact.model}: computing the agreement reference on ${runtime} (${images} image${images === 1 ? '' : 's'})`);
  const started = performance.now();
  const computed = await computeReferenceOutputs({
    artifactPath: artifact.path,
    runtime,
    metadata,
    evalPackDir: packDir,
    images,
    timeoutMs: config.run.jobTimeoutMs,
    isolate: !options.inProcess,
    ...(options.signal ? { signal: options.signal } : {}),
    onOutput: (line) => log.debug(`reference | ${line}`),
  });
  await writeReferenceFile(path, {
    schema: 1,
    runtime: computed.runtime,
    artifact: artifact.id,
    sha256: artifact.sha256,
    images,
    classes: computed.classes,
    probabilities: Array.from(computed.probabilities),
  });
  log.debug(`${artifact.model}: reference written to ${path} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return path;
}
