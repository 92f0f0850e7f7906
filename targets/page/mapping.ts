/**
 * Turning a Job into a PageJob and a PageResult back into the run record's
 * Measurement or Failure, of the same shape as the Node target's.
 */
import type { DeviceInfo } from '../../harness/core/record.ts';
import { failed, jobKeyOptions, measured } from '../result.ts';
import type { Job, JobResult, JobSpec, KeyOptions } from '../types.ts';
import { PROTOCOL_VERSION, type PageCapabilities, type PageJob, type PageResult, type PageRuntime } from './app/protocol.ts';

const WASM_RUNTIMES = new Set<string>(['tfjs-wasm', 'litert-wasm']);

/** Threads a job asks for: its own option, then config `run.threads`, then every core the browser reports. */
export function requestedThreads(job: JobSpec, configThreads: number | undefined, caps: Pick<PageCapabilities, 'hardwareConcurrency'>): number {
  const own = job.runtimeOptions.threads;
  if (typeof own === 'number' && own >= 1) return Math.floor(own);
  return configThreads ?? caps.hardwareConcurrency;
}

/**
 * The options in the measurement key: the job's, plus the threads and SIMD a
 * wasm runtime will really use in this browser (no threads without isolation).
 */
export function expectedKeyOptions(job: JobSpec, threads: number, caps: Pick<PageCapabilities, 'wasm'>): KeyOptions {
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

export function toPageJob(job: JobSpec, urls: PageUrls, threads: number, id: string): PageJob {
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
 * The result is filed under the job's key, decided when the plan was made (the
 * same whether the job succeeds or fails, so runs compare key by key); what
 * the runtime really used (TF.js may run fewer threads than asked) goes in the
 * device's `extra`.
 */
export function toJobResult(job: Job, result: PageResult): JobResult {
  if (!result.ok) return failed(job, result.phase, result.error, result.finishedAt);
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
  return measured(job, result.measurement, { device, startedAt: result.startedAt, finishedAt: result.finishedAt });
}
