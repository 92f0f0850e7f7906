/**
 * Messages between the Node target and its worker process (plain data over
 * IPC with the structured-clone serialisation, so typed arrays pass as is).
 * One request per worker process; the worker answers once and exits.
 */
import type { Evaluation, JobPhase, SerializedError } from '../../harness/core/record.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import type { KernelOptions, KernelResult } from '../kernel/types.ts';
import type { RetrainJob, RuntimeStatus } from '../types.ts';
import type { DeviceFacts, ProbeContext } from './runtime-types.ts';

/** One artifact on one Node runtime, as the worker needs it. */
export interface NodeJobSpec {
  runtime: string;
  /** Module URLs exporting `runtimes: NodeRuntime[]` (see ./runtimes.ts). */
  runtimeModules: string[];
  artifactPath: string;
  metadata: ModelMetadata;
  evalPackDir: string;
  /** eval/reference.json, for agreement. */
  referencePath?: string;
  kernel: KernelOptions;
  threads: number;
  /** Send the evaluated probabilities back (used to make the reference). */
  returnOutputs?: boolean;
  /** Present for the retrain workload: the job trains a head instead of timing inference. */
  retrain?: RetrainJob;
}

/** A runtime's status plus what the Node target keeps for its jobs: key options for the thread count, the worker's environment. */
export interface ProbedRuntime extends RuntimeStatus {
  keyOptions: Record<string, string | number | boolean>;
  /** Variables the job's worker process starts with (see RuntimeProbe.workerEnv). */
  workerEnv?: Record<string, string>;
}

/**
 * Two artifacts timed alternately in one worker (targets/kernel/paired.ts):
 * the same runtime, threads and kernel options on both sides, taken from `b`.
 */
export interface NodePairSpec {
  a: NodeJobSpec;
  b: NodeJobSpec;
  /** Seed of the per-pair order in this process. */
  seed: number;
  /** Which side loads and warms first in this process. */
  first: 'a' | 'b';
  /** Evaluate each side after the loop, against its own referencePath where given. */
  evaluate?: boolean;
}

/** Paired loop times of one process (and each side's evaluation, when asked), or the side that failed (both: neither side's own call). */
export type PairOutcome = { ok: true; a: number[]; b: number[]; bFirst: number; evaluation?: Record<'a' | 'b', Evaluation | null> } | { ok: false; side: 'a' | 'b' | 'both'; phase: JobPhase; error: SerializedError };

export type WorkerRequest =
  | { type: 'job'; job: NodeJobSpec }
  /** `park`: started ahead of its turn; it loads both sides, says `parked` and waits, idle, for `go` (./ab.ts). */
  | { type: 'pair'; pair: NodePairSpec; park?: boolean }
  /** `only`: the names to probe (the run's --backends), the others left out unprobed; absent, every runtime. */
  | { type: 'probe'; runtimeModules: string[]; threads: number; timeouts: ProbeContext['timeouts']; only?: readonly string[] };

/** The one message after the request: a parked pair's turn has come. */
export interface WorkerGo {
  type: 'go';
}

/** A measured job carries what the runtime told about the device it ran on (the GPU adapter, for tfjs-webgpu). */
export type JobOutcome = { ok: true; result: KernelResult; device?: DeviceFacts } | { ok: false; phase: JobPhase; error: SerializedError };

export type WorkerMessage =
  | { type: 'phase'; phase: JobPhase }
  /** A parked pair has both sides loaded and waits for `go`. */
  | { type: 'parked' }
  | { type: 'job-done'; outcome: JobOutcome }
  | { type: 'pair-done'; outcome: PairOutcome }
  | { type: 'probe-done'; runtimes: ProbedRuntime[] }
  | { type: 'probe-failed'; error: SerializedError };
