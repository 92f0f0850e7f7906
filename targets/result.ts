/**
 * The one place a job's result is built: its MeasurementKey (once, when the
 * plan is made), a Failure, or a Measurement. Every target and the
 * orchestrator use it, so the record's shapes (and their field order in
 * run.json) cannot drift between targets, and a failure carries the very key
 * its measurement would have had.
 */
import type { ResolvedConfig } from '../harness/core/config.ts';
import { serializeError, type DeviceInfo, type Failure, type JobPhase, type MeasuredNumbers, type Measurement, type MeasurementKey, type SerializedError } from '../harness/core/record.ts';
import type { Job, JobResult, JobSpec, KeyOptions, Target } from './types.ts';

export type { KeyOptions } from './types.ts';

/** The key options when a target adds nothing of its own: the batch size first, then the job's options. */
export function jobKeyOptions(job: JobSpec): KeyOptions {
  return { batch: job.kernel.batchSize, ...job.runtimeOptions };
}

/** The key of a job on `target`, with the options the target decides for it (its `keyOptions` hook, else `jobKeyOptions`). */
export function planKey(target: Pick<Target, 'kind' | 'keyOptions'>, job: JobSpec, config: ResolvedConfig): MeasurementKey {
  return {
    model: job.artifact.model,
    format: job.artifact.format,
    variant: job.artifact.variant,
    target: target.kind,
    device: job.device.id,
    runtime: job.runtime,
    options: target.keyOptions ? target.keyOptions(job, config) : jobKeyOptions(job),
    // Inference keys stay as they were before workloads existed (absent reads as infer).
    ...(job.workload === 'retrain' ? { workload: 'retrain' as const } : {}),
  };
}

/** The job with its key decided: what the plan hands to the lanes. */
export function keyedJob(target: Pick<Target, 'kind' | 'keyOptions'>, job: JobSpec, config: ResolvedConfig): Job {
  return { ...job, key: planKey(target, job, config) };
}

function isSerializedError(value: unknown): value is SerializedError {
  if (value instanceof Error || typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<SerializedError>;
  return typeof candidate.name === 'string' && typeof candidate.message === 'string';
}

/** A Failure in `phase`; `error` is what was thrown, or an error already serialized (from a worker or a page). */
export function failure(job: Job, phase: JobPhase, error: unknown, at = new Date().toISOString()): Failure {
  return { key: job.key, artifact: job.artifact.id, phase, error: isSerializedError(error) ? error : serializeError(error), at };
}

export function failed(job: Job, phase: JobPhase, error: unknown, at?: string): JobResult {
  return { ok: false, failure: failure(job, phase, error, at) };
}

export interface MeasuredRun {
  /** The device as measured (default the job's): targets add what the runtime really used in `extra`. */
  device?: DeviceInfo;
  startedAt: string;
  /** Default now. */
  finishedAt?: string;
}

/** A Measurement of the kernel's numbers, copied field by field so nothing else a runtime returned leaks into the record. */
export function measurement(job: Job, numbers: MeasuredNumbers, run: MeasuredRun): Measurement {
  return {
    key: job.key,
    artifact: job.artifact.id,
    device: run.device ?? job.device,
    batchSize: job.kernel.batchSize,
    loadMs: numbers.loadMs,
    firstInferenceMs: numbers.firstInferenceMs,
    warmup: numbers.warmup,
    latency: numbers.latency,
    samples: numbers.samples,
    throughput: numbers.throughput,
    memory: numbers.memory,
    evaluation: numbers.evaluation,
    ...(numbers.retrain ? { retrain: numbers.retrain } : {}),
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? new Date().toISOString(),
  };
}

export function measured(job: Job, numbers: MeasuredNumbers, run: MeasuredRun): JobResult {
  return { ok: true, measurement: measurement(job, numbers, run) };
}
