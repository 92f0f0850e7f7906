/**
 * Makes the agreement reference: the Mobile artifact on TF.js `cpu`, over the
 * first N images of the evaluation pack, in a worker process like any job.
 */
import type { ModelMetadata } from '../../models/metadata.ts';
import { executeJob } from './execute.ts';
import { REFERENCE_RUNTIME } from './reference-file.ts';
import { DEFAULT_RUNTIME_MODULE } from './runtimes.ts';

export { REFERENCE_RUNTIME, readReferenceFile, writeReferenceFile, readReferenceOutputs, type ReferenceFile } from './reference-file.ts';

export interface ReferenceRequest {
  /** model.json of the Mobile artifact. */
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

/** Probabilities (images × classes) of the reference runtime; throws with the phase in the message on failure. */
export async function computeReferenceOutputs(request: ReferenceRequest): Promise<{ runtime: string; classes: number; probabilities: Float32Array }> {
  const outcome = await executeJob(
    {
      runtime: REFERENCE_RUNTIME,
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
    const error = new Error(`${REFERENCE_RUNTIME} reference failed in ${outcome.phase}: ${outcome.error.message}`);
    error.name = outcome.error.name === 'AbortError' ? 'AbortError' : 'Error';
    throw error;
  }
  const { outputs, evaluation } = outcome.result;
  if (!outputs || !evaluation) throw new Error(`${REFERENCE_RUNTIME} reference produced no outputs (empty evaluation pack?)`);
  return { runtime: REFERENCE_RUNTIME, classes: outputs.length / evaluation.images, probabilities: outputs };
}
