/**
 * The one place a job's result is built: its MeasurementKey, a Failure, or a
 * Measurement. Every target and the orchestrator use it, so the record's
 * shapes (and their field order in run.json) cannot drift between targets.
 */
import { serializeError, type DeviceInfo, type Failure, type JobPhase, type MeasuredNumbers, type Measurement, type MeasurementKey, type SerializedError, type TargetKind } from '../harness/core/record.ts';
import type { Job, JobResult } from './types.ts';

/** The options a key keeps: those that change the numbers (batch, threads, simd, delegate …). */
export type KeyOptions = Record<string, string | number | boolean>;

/** What a result is keyed by: the job, the kind of target that ran it, and the options in its key. */
export interface ResultOf {
  job: Job;
  target: TargetKind;
  options: KeyOptions;
}

/** The key options when a target adds nothing of its own: the batch size first, then the job's options. */
export function jobKeyOptions(job: Job): KeyOptions {
  return { batch: job.kernel.batchSize, ...job.runtimeOptions };
}

export function measurementKey({ job, target, options }: ResultOf): MeasurementKey {
  return {
    model: job.artifact.model,
    format: job.artifact.format,
    variant: job.artifact.variant,
    target,
    device: job.device.id,
    runtime: job.runtime,
    options,
    // Inference keys stay as they were before workloads existed (absent reads as infer).
    ...(job.workload === 'retrain' ? { workload: 'retrain' as const } : {}),
  };
}

function isSerializedError(value: unknown): value is SerializedError {
  if (value instanceof Error || typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<SerializedError>;
  return typeof candidate.name === 'string' && typeof candidate.message === 'string';
}

/** A Failure in `phase`; `error` is what was thrown, or an error already serialized (from a worker or a page). */
export function failure(of: ResultOf, phase: JobPhase, error: unknown, at = new Date().toISOString()): Failure {
  return { key: measurementKey(of), artifact: of.job.artifact.id, phase, error: isSerializedError(error) ? error : serializeError(error), at };
}

export function failed(of: ResultOf, phase: JobPhase, error: unknown, at?: string): JobResult {
  return { ok: false, failure: failure(of, phase, error, at) };
}

export interface MeasuredRun {
  /** The device as measured (default the job's): targets add what the runtime really used in `extra`. */
  device?: DeviceInfo;
  startedAt: string;
  /** Default now. */
  finishedAt?: string;
}

/** A Measurement of the kernel's numbers, copied field by field so nothing else a runtime returned leaks into the record. */
export function measurement(of: ResultOf, numbers: MeasuredNumbers, run: MeasuredRun): Measurement {
  return {
    key: measurementKey(of),
    artifact: of.job.artifact.id,
    device: run.device ?? of.job.device,
    batchSize: of.job.kernel.batchSize,
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

export function measured(of: ResultOf, numbers: MeasuredNumbers, run: MeasuredRun): JobResult {
  return { ok: true, measurement: measurement(of, numbers, run) };
}
