/**
 * Turning a Job into a PageJob and a PageResult back into the run record's
 * Measurement or Failure, of the same shape as the Node target's.
 */
import type { DeviceInfo, TargetKind } from '../../harness/core/record.ts';
import { failed, jobKeyOptions, measured, type KeyOptions, type ResultOf } from '../result.ts';
import type { Job, JobResult } from '../types.ts';
import { PROTOCOL_VERSION, type PageCapabilities, type PageJob, type PageResult, type PageRuntime } from './app/protocol.ts';

const WASM_RUNTIMES = new Set<string>(['tfjs-wasm', 'litert-wasm']);

/** Threads a job asks for: its own option, then config `run.threads`, then every core the browser reports. */
export function requestedThreads(job: Job, configThreads: number | undefined, caps: PageCapabilities): number {
  const own = job.runtimeOptions.threads;
  if (typeof own === 'number' && own >= 1) return Math.floor(own);
  return configThreads ?? caps.hardwareConcurrency;
}

/**
 * The options in the measurement key: the job's, plus the threads and SIMD a
 * wasm runtime will really use in this browser (no threads without isolation).
 */
export function expectedKeyOptions(job: Job, threads: number, caps: PageCapabilities): KeyOptions {
  // `batch` first, as the Node target keys it.
  const base = jobKeyOptions(job);
  if (!WASM_RUNTIMES.has(job.runtime)) return base;
  if (job.runtime === 'tfjs-wasm') {
    const simd = caps.wasm.simd && job.runtimeOptions.simd !== false;
    return { ...base, threads: caps.wasm.threads ? threads : 1, simd };
  }
  const litertThreads = caps.wasm.threads && caps.wasm.relaxedSimd;
  return { ...base, threads: litertThreads ? threads : 1, simd: caps.wasm.relaxedSimd };
}

export interface PageUrls {
  artifactUrl: string;
  packUrl: string;
  referenceUrl?: string;
  /** The training pack's folder, for a retrain job. */
  trainPackUrl?: string;
}

export function toPageJob(job: Job, urls: PageUrls, threads: number, id: string): PageJob {
  const simd = job.runtimeOptions.simd;
  return {
    protocol: PROTOCOL_VERSION,
    id,
    runtime: job.runtime as PageRuntime,
    artifactUrl: urls.artifactUrl,
    model: { name: job.metadata.model, inputSize: job.metadata.inputSize, normalization: job.metadata.normalization, classNames: job.metadata.classNames },
    packUrl: urls.packUrl,
    ...(urls.referenceUrl ? { referenceUrl: urls.referenceUrl } : {}),
    kernel: job.kernel,
    runtimeOptions: { threads, ...(typeof simd === 'boolean' ? { simd } : {}) },
    ...(job.retrain && urls.trainPackUrl ? { retrain: { trainPackUrl: urls.trainPackUrl, settings: job.retrain.settings, host: job.retrain.host } } : {}),
  };
}

/**
 * The key keeps the options asked for (the same whether the job succeeds or
 * fails, so runs compare key by key); what the runtime really used (TF.js may
 * run fewer threads than asked) goes in the device's `extra`.
 */
export function toJobResult(job: Job, target: TargetKind, result: PageResult, expected: KeyOptions): JobResult {
  const of: ResultOf = { job, target, options: expected };
  if (!result.ok) return failed(of, result.phase, result.error, result.finishedAt);
  const { threads: _threads, simd: _simd, ...deviceExtra } = job.device.extra ?? {};
  const device: DeviceInfo = {
    ...job.device,
    extra: {
      ...deviceExtra,
      backend: result.runtime.backend,
      ...(result.runtime.threads !== undefined ? { threads: result.runtime.threads } : {}),
      ...(result.runtime.simd !== undefined ? { simd: result.runtime.simd } : {}),
      ...(result.runtime.fullyAccelerated !== undefined ? { fullyAccelerated: result.runtime.fullyAccelerated } : {}),
      ...Object.fromEntries(Object.entries(result.runtime.versions).map(([name, version]) => [`${name}Version`, version])),
    },
  };
  return measured(of, result.measurement, { device, startedAt: result.startedAt, finishedAt: result.finishedAt });
}
