/**
 * The measurement kernel's contract. This folder must stay free of Node APIs:
 * it is bundled (esbuild) into the browser benchmark page as well.
 */
import type { EvalPack } from '../../harness/core/eval-pack.ts';
import type { JobPhase, MeasuredNumbers } from '../../harness/core/record.ts';

/** One loaded model on one runtime. */
export interface InferenceSession {
  /**
   * Runs one batch and returns the probabilities (batch × classes), read back
   * to the host: the timing always includes the read-back, never a lazy tensor.
   * `pixels` is batch × H × W × 3 raw RGB bytes; normalisation is the session's job.
   */
  run(pixels: Uint8Array, batch: number): Promise<Float32Array>;
  /** What the runtime reports about its own memory, where it does. */
  memory?(): { bytes?: number; tensors?: number };
  dispose(): Promise<void> | void;
}

export interface KernelOptions {
  warmupIterations: number;
  /**
   * Warm-up stops after this many ms even before warmupIterations (after at
   * least one iteration): a runtime at seconds per inference is warm after
   * one, and five would cost it half a minute. Absent: no bound.
   */
  warmupMaxMs?: number;
  minSamples: number;
  minTimeMs: number;
  maxTimeMs: number;
  batchSize: number;
  /** Evaluate only the first N images of the pack. */
  evalLimit?: number;
  /**
   * Stop evaluating once this many ms went into it (checked after each batch,
   * so at least one batch is evaluated); the result says how many images were
   * used. Absent: the whole pack (or evalLimit).
   */
  evalBudgetMs?: number;
  /** The budget stops the evaluation only once this many images are done (accuracy on a handful of images says little). */
  evalMinImages?: number;
  /** Skip the evaluation (e.g. for a batch-size sweep). */
  evaluate?: boolean;
}

/** Reference probabilities (the same model on the host's fastest float32 TF.js engine) for the first `images` pack images. */
export interface ReferenceOutputs {
  name: string;
  images: number;
  classes: number;
  probabilities: Float32Array;
}

export interface KernelInput {
  load: () => Promise<InferenceSession>;
  pack: EvalPack;
  reference?: ReferenceOutputs;
  options: KernelOptions;
  /** Current resident memory of the process, where the environment can tell (Node: process.memoryUsage().rss). */
  sampleRss?: () => number;
  /** Called at each phase change, for progress display. */
  onPhase?: (phase: JobPhase) => void;
}

export interface KernelResult extends MeasuredNumbers {
  /** Probabilities on the evaluated images (images × classes), so a `cpu` run can serve as the reference. */
  outputs?: Float32Array;
}
