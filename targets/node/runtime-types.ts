/**
 * A runtime the Node target can run in-process: TF.js backends and
 * tfjs-tflite-node. Each module exporting one is listed in ./runtimes.ts.
 */
import type { ArtifactFormat } from '../../harness/core/record.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import type { InferenceSession } from '../kernel/types.ts';

export interface RuntimeProbe {
  available: boolean;
  /** Why not, in words a user can act on (not installed; failed to load: <loader message>; needs CUDA 11.2 …). */
  reason?: string;
  details?: Record<string, string>;
}

export interface OpenOptions {
  /** model.json of a TF.js artifact, or the .tflite file. */
  artifactPath: string;
  metadata: ModelMetadata;
  /** CPU threads, for runtimes that take a count. */
  threads: number;
  batchSize: number;
}

export interface NodeRuntime {
  /** `tfjs-tensorflow`, `tfjs-tensorflow-gpu`, `tfjs-wasm`, `tfjs-cpu`, `tflite-node`. */
  name: string;
  format: ArtifactFormat;
  /** Imports lazily and reports whether it can run on this machine. Never throws. */
  probe(): Promise<RuntimeProbe>;
  /** Loads the artifact; the kernel times this call as the load phase. */
  open(options: OpenOptions): Promise<InferenceSession>;
  /** Options that change the numbers and belong in the measurement key (threads, simd …). */
  keyOptions?(options: { threads: number }): Record<string, string | number | boolean>;
}
