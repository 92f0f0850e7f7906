/**
 * Makes the agreement reference: the Mobile artifact on the fastest exact
 * float32 TF.js engine installed (`tfjs-tensorflow` > `tfjs-wasm` >
 * `tfjs-cpu`), over the first N images of the evaluation pack, in a worker
 * process like any job. Made once per model and pack, then read from
 * eval/reference.json by every later run, whichever engine made it.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ResolvedConfig } from '../../harness/core/config.ts';
import type { Logger } from '../../harness/core/log.ts';
import type { ArtifactInfo } from '../../harness/core/record.ts';
import { readEvalPack } from '../../harness/core/eval-pack.ts';
import { evalPackDir } from '../../harness/core/layout.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { executeJob } from './execute.ts';
import { packDigest, readReferenceFile, REFERENCE_ENGINES, writeReferenceFile } from './reference-file.ts';
import { DEFAULT_RUNTIME_MODULE } from './runtimes.ts';

export { REFERENCE_ENGINES, packDigest, readReferenceFile, writeReferenceFile, readReferenceOutputs, type ReferenceFile } from './reference-file.ts';

const require = createRequire(import.meta.url);

/** The reference engines whose package is installed here, fastest first (tfjs-node is optional and usually absent). */
export function installedReferenceEngines(resolve: (specifier: string) => string = require.resolve): string[] {
  return REFERENCE_ENGINES.filter((engine) => {
    try {
      resolve(engine.package);
      return true;
    } catch {
      return false;
    }
  }).map((engine) => engine.runtime);
}

export interface ReferenceRequest {
  /** The runtime to run it on: one of REFERENCE_ENGINES, or tflite-node for a model with no Mobile artifact. */
  runtime: string;
  /** model.json of the Mobile artifact (or, for a model with none, its .tflite). */
  artifactPath: string;
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

/** Probabilities (images × classes) on the request's runtime; throws with the phase in the message (and `phase` on the error) on failure. */
export async function computeReferenceOutputs(request: ReferenceRequest): Promise<{ runtime: string; classes: number; probabilities: Float32Array }> {
  const outcome = await executeJob(
    {
      runtime: request.runtime,
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
    const error = Object.assign(new Error(`${request.runtime} reference failed in ${outcome.phase}: ${outcome.error.message}`), { phase: outcome.phase });
    error.name = outcome.error.name === 'AbortError' ? 'AbortError' : 'Error';
    throw error;
  }
  const { outputs, evaluation } = outcome.result;
  if (!outputs || !evaluation) throw new Error(`${request.runtime} reference produced no outputs (empty evaluation pack?)`);
  return { runtime: request.runtime, classes: outputs.length / evaluation.images, probabilities: outputs };
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
  /** Engines to try, in order (default: installedReferenceEngines()). */
  engines?: string[];
  /** false: the first engine's load failure fails the reference (no hand-over to the next). Default true. */
  handOver?: boolean;
}

/** Where the reference is and how it came to be. */
export interface ReferenceOutcome {
  path: string;
  /** The engine that made it (REFERENCE_ENGINES). */
  runtime: string;
  images: number;
  /** Seconds spent computing it now; 0 when read from the cache. */
  seconds: number;
  cached: boolean;
}

/**
 * `eval/reference.json` covering the images this run evaluates (run.evalLimit,
 * else the whole pack: a job's evaluation budget only shortens the prefix it
 * uses), computed when the cached file is absent, from another artifact
 * (sha256) or pack order, or covers fewer images. Any exact engine's cached
 * file is kept: tfjs-tensorflow, tfjs-wasm and tfjs-cpu agree to ~1e-5. A new
 * one is made on the fastest engine installed; an engine that fails to load
 * hands over to the next one with a warning.
 */
export async function ensureReference(options: EnsureReferenceOptions): Promise<ReferenceOutcome> {
  const { artifact, metadata, config, log, out } = options;
  const packDir = evalPackDir(out, artifact.model);
  const pack = await readEvalPack(packDir);
  const images = Math.min(config.run.evalLimit ?? pack.count, pack.count);
  const digest = packDigest(pack);
  const path = join(packDir, 'reference.json');
  const cached = await readReferenceFile(path);
  // A user's .tflite with no Mobile artifact is its own reference, on the Node TFLite runtime.
  const tflite = artifact.format === 'tflite';
  const exact = new Set(tflite ? ['tflite-node'] : REFERENCE_ENGINES.map((engine) => engine.runtime));
  if (cached && cached.sha256 === artifact.sha256 && cached.pack === digest && exact.has(cached.runtime) && cached.images >= images) {
    log.debug(`${artifact.model}: reference outputs from ${path} (${cached.images} images on ${cached.runtime})`);
    return { path, runtime: cached.runtime, images: cached.images, seconds: 0, cached: true };
  }
  const engines = tflite ? ['tflite-node'] : (options.engines ?? installedReferenceEngines());
  if (engines.length === 0) throw new Error(`no TF.js engine to make the reference on (none of ${REFERENCE_ENGINES.map((engine) => engine.package).join(', ')} is installed)`);
  for (const [index, runtime] of engines.entries()) {
    log.info(`${artifact.model}: computing the agreement reference on ${runtime} (${images} image${images === 1 ? '' : 's'})`);
    const started = performance.now();
    let computed: Awaited<ReturnType<typeof computeReferenceOutputs>>;
    try {
      computed = await computeReferenceOutputs({
        runtime,
        artifactPath: artifact.path,
        metadata,
        evalPackDir: packDir,
        images,
        timeoutMs: config.run.jobTimeoutMs,
        isolate: !options.inProcess,
        ...(options.signal ? { signal: options.signal } : {}),
        onOutput: (line) => log.debug(`reference | ${line}`),
      });
    } catch (error) {
      // An engine that cannot load hands over to the next; one that loaded and then failed is a real failure.
      const phase = (error as { phase?: string }).phase;
      const next = engines[index + 1];
      if ((error as Error).name === 'AbortError' || !next || options.handOver === false || (phase !== 'setup' && phase !== 'load')) throw error;
      log.warn(`${artifact.model}: ${(error as Error).message.split('\n')[0]}; making the reference on ${next} instead`);
      continue;
    }
    await writeReferenceFile(path, {
      schema: 1,
      runtime: computed.runtime,
      artifact: artifact.id,
      sha256: artifact.sha256,
      pack: digest,
      images,
      classes: computed.classes,
      probabilities: Array.from(computed.probabilities),
    });
    const seconds = (performance.now() - started) / 1000;
    log.debug(`${artifact.model}: reference written to ${path} in ${seconds.toFixed(1)} s`);
    return { path, runtime: computed.runtime, images, seconds, cached: false };
  }
  throw new Error('unreachable: every reference engine was tried');
}
