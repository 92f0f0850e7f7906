/**
 * A runtime the Node target can run in-process: TF.js backends and
 * tfjs-tflite-node. Each module exporting one is listed in ./runtimes.ts.
 */
import type { ArtifactFormat, DeviceInfo } from '../../harness/core/record.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import type { InferenceSession } from '../kernel/types.ts';
import type { TrainingTf } from '../kernel/head-training.ts';

export interface RuntimeProbe {
  available: boolean;
  /** Why not, in words a user can act on (not installed; failed to load: <loader message>; needs CUDA 11.2 …). */
  reason?: string;
  details?: Record<string, string>;
  /**
   * Set when the runtime runs on a software device (a CPU standing in for a
   * GPU): why, in words. Such a runtime stays out of the default plan unless
   * it is named in `run.backends`.
   */
  software?: string;
  /** Set when the runtime is not worth a default run, in words (targets/opt-in.ts); it runs when named in `run.backends`. */
  optIn?: string;
  /** Options found by the probe that change the numbers and so belong in the measurement key (the GPU adapter). */
  keyOptions?: Record<string, string | number | boolean>;
  /**
   * Variables the job's worker process must start with (a native library
   * reads them when it loads, so they cannot be set from inside the job).
   */
  workerEnv?: Record<string, string>;
}

/** What a probe may use: the run's bounds on the Node target's waits. */
export interface ProbeContext {
  /** `timeouts.node` of the run's config. */
  timeouts: { probeMs: number; adapterQueryMs: number };
}

export interface OpenOptions {
  /** model.json of a TF.js artifact, or the .tflite file. */
  artifactPath: string;
  metadata: ModelMetadata;
  /** CPU threads, for runtimes that take a count. */
  threads: number;
  batchSize: number;
}

/** What a job learnt about the device it ran on, added to the measurement's device block. */
export type DeviceFacts = Pick<DeviceInfo, 'gpu' | 'extra'>;

/** A session, plus what the runtime can tell about the device it really used (asked once, after the measurement). */
export interface NodeSession extends InferenceSession {
  deviceFacts?(): Promise<DeviceFacts>;
}

export interface NodeRuntime {
  /** `tfjs-tensorflow`, `tfjs-tensorflow-gpu`, `tfjs-webgpu`, `tfjs-wasm`, `tfjs-cpu`, `tflite-node`. */
  name: string;
  format: ArtifactFormat;
  /** Imports lazily and reports whether it can run on this machine. Never throws. */
  probe(context?: ProbeContext): Promise<RuntimeProbe>;
  /** Loads the artifact; the kernel times this call as the load phase. */
  open(options: OpenOptions): Promise<NodeSession>;
  /**
   * For the retrain workload: TF.js with this runtime's backend active and
   * the artifact's layers model loaded on it. Absent: the runtime cannot train
   * (every .tflite runtime).
   */
  openTraining?(options: OpenOptions): Promise<TrainingTf & { model: import('@tensorflow/tfjs-layers').LayersModel }>;
  /** Options that change the numbers and belong in the measurement key (threads, simd …). */
  keyOptions?(options: { threads: number }): Record<string, string | number | boolean>;
}
