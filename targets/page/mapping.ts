/**
 * Turning a Job into a PageJob and a PageResult back into the run record's
 * Measurement or Failure, of the same shape as the Node target's.
 */
import type { DeviceInfo, TargetKind } from '../../harness/core/record.ts';
import { failed, jobKeyOptions, measured, type KeyOptions, type ResultOf } from '../result.ts';
import type { Job, JobResult } from '../types.ts';
import { PROTOCOL_VERSION, type PageJob, type PageResult, type PageRuntime } from './app/protocol.ts';
import type { PageSettings } from './settings.ts';

/** The options in the measurement key: the job's, with the threads and SIMD decided for a wasm runtime (./settings.ts). */
export function pageKeyOptions(job: Job, settings: PageSettings): KeyOptions {
  // `batch` first, as the Node target keys it.
  const base = jobKeyOptions(job);
  return settings.wasm ? { ...base, threads: settings.wasm.threads, simd: settings.wasm.simd } : base;
}

export interface PageUrls {
  artifactUrl: string;
  packUrl: string;
  referenceUrl?: string;
  /** The training pack's folder, for a retrain job. */
  trainPackUrl?: string;
}

export function toPageJob(job: Job, urls: PageUrls, settings: PageSettings, id: string): PageJob {
  return {
    protocol: PROTOCOL_VERSION,
    id,
    runtime: job.runtime as PageRuntime,
    artifactUrl: urls.artifactUrl,
    model: { name: job.metadata.model, inputSize: job.metadata.inputSize, normalization: job.metadata.normalization, classNames: job.metadata.classNames },
    packUrl: urls.packUrl,
    ...(urls.referenceUrl ? { referenceUrl: urls.referenceUrl } : {}),
    kernel: job.kernel,
    ...(settings.wasm ? { wasm: settings.wasm } : {}),
    ...(job.retrain && urls.trainPackUrl ? { retrain: { trainPackUrl: urls.trainPackUrl, settings: job.retrain.settings, host: job.retrain.host } } : {}),
  };
}

export interface PageRecordOptions {
  target: TargetKind;
  /** The key's options (pageKeyOptions): the same whether the job succeeds or fails, so runs compare key by key. */
  options: KeyOptions;
  settings: PageSettings;
  /** The device block before the runtime's facts are added; default the job's. */
  device?: DeviceInfo;
}

/**
 * A page result as the record's Measurement or Failure. What the runtime
 * really used (backend, threads, SIMD, versions) and where the thread count
 * came from go in the device's `extra`.
 */
export function toJobResult(job: Job, result: PageResult, record: PageRecordOptions): JobResult {
  const of: ResultOf = { job, target: record.target, options: record.options };
  if (!result.ok) return failed(of, result.phase, result.error, result.finishedAt);
  const base = record.device ?? job.device;
  const { threads: _threads, simd: _simd, ...deviceExtra } = base.extra ?? {};
  const device: DeviceInfo = {
    ...base,
    extra: {
      ...deviceExtra,
      backend: result.runtime.backend,
      ...(result.runtime.threads !== undefined ? { threads: result.runtime.threads } : {}),
      ...(record.settings.threadsFrom ? { threadsFrom: record.settings.threadsFrom } : {}),
      ...(result.runtime.simd !== undefined ? { simd: result.runtime.simd } : {}),
      ...(result.runtime.fullyAccelerated !== undefined ? { fullyAccelerated: result.runtime.fullyAccelerated } : {}),
      ...Object.fromEntries(Object.entries(result.runtime.versions).map(([name, version]) => [`${name}Version`, version])),
    },
  };
  return measured(of, result.measurement, { device, startedAt: result.startedAt, finishedAt: result.finishedAt });
}
