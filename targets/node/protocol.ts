/**
 * Messages between the Node target and its worker process (plain data over
 * IPC with the structured-clone serialisation, so typed arrays pass as is).
 * One request per worker process; the worker answers once and exits.
 */
import type { JobPhase, SerializedError } from '../../harness/core/record.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import type { KernelOptions, KernelResult } from '../kernel/types.ts';
import type { RuntimeStatus } from '../types.ts';

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
}

/** A runtime's status plus the key options it reports for the thread count. */
export interface ProbedRuntime extends RuntimeStatus {
  keyOptions: Record<string, string | number | boolean>;
}

export type WorkerRequest = { type: 'job'; job: NodeJobSpec } | { type: 'probe'; runtimeModules: string[]; threads: number };

export type JobOutcome = { ok: true; result: KernelResult } | { ok: false; phase: JobPhase; error: SerializedError };

export type WorkerMessage =
  | { type: 'phase'; phase: JobPhase }
  | { type: 'job-done'; outcome: JobOutcome }
  | { type: 'probe-done'; runtimes: ProbedRuntime[] }
  | { type: 'probe-failed'; error: SerializedError };
