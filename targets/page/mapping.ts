/**
 * Turning a Job into a PageJob and a PageResult back into the run record's
 * Measurement or Failure, of the same shape as the Node target's.
 */
import type { DeviceInfo } from '../../harness/core/record.ts';
import { failed, measured } from '../result.ts';
import type { Job, JobResult, JobSpec } from '../types.ts';
import { PROTOCOL_VERSION, type PageJob, type PageResult, type PageRuntime, type WasmSettings } from './app/protocol.ts';

export interface PageUrls {
  artifactUrl: string;
  packUrl: string;
  referenceUrl?: string;
  /** The training pack's folder, for a retrain job. */
  trainPackUrl?: string;
}

/** The PageJob of a job, with the wasm settings decided for it (./settings.ts). */
export function toPageJob(job: JobSpec, urls: PageUrls, wasm: WasmSettings | undefined, id: string): PageJob {
  return {
    protocol: PROTOCOL_VERSION,
    id,
    runtime: job.runtime as PageRuntime,
    artifactUrl: urls.artifactUrl,
    model: { name: job.metadata.model, inputSize: job.metadata.inputSize, normalization: job.metadata.normalization, classNames: job.metadata.classNames },
    packUrl: urls.packUrl,
    ...(urls.referenceUrl ? { referenceUrl: urls.referenceUrl } : {}),
    kernel: job.kernel,
    ...(wasm ? { wasm } : {}),
    ...(job.retrain && urls.trainPackUrl ? { retrain: { trainPackUrl: urls.trainPackUrl, settings: job.retrain.settings, host: job.retrain.host } } : {}),
  };
}

export interface PageRecordOptions {
  /** The device block before the runtime's facts are added; default the job's. */
  device?: DeviceInfo;
  /** The default thread rule of the device, as the record writes it (settings.ts THREAD_RULES). */
  threadsDefault?: string;
}

/**
 * A page result as the record's Measurement or Failure, filed under the job's
 * key (decided when the plan was made, the same whether the job succeeds or
 * fails). What the runtime reports it used (backend, threads, SIMD,
 * versions) and the device's thread rule go in the device's `extra`.
 */
export function toJobResult(job: Job, result: PageResult, record: PageRecordOptions = {}): JobResult {
  if (!result.ok) return failed(job, result.phase, result.error, result.finishedAt);
  if (!('measurement' in result)) return failed(job, 'loop', new Error('the page answered a plain job with A/B pair times'), result.finishedAt);
  const base = record.device ?? job.device;
  const { threads: _threads, simd: _simd, ...deviceExtra } = base.extra ?? {};
  const device: DeviceInfo = {
    ...base,
    extra: {
      ...deviceExtra,
      backend: result.runtime.backend,
      ...(result.runtime.threads !== undefined ? { threads: result.runtime.threads } : {}),
      ...(result.runtime.threads !== undefined && record.threadsDefault ? { threadsDefault: record.threadsDefault } : {}),
      ...(result.runtime.simd !== undefined ? { simd: result.runtime.simd } : {}),
      ...(result.runtime.fullyAccelerated !== undefined ? { fullyAccelerated: result.runtime.fullyAccelerated } : {}),
      ...Object.fromEntries(Object.entries(result.runtime.versions).map(([name, version]) => [`${name}Version`, version])),
    },
  };
  const done = measured(job, result.measurement, { device, startedAt: result.startedAt, finishedAt: result.finishedAt });
  return done.ok && result.profile ? { ...done, profile: result.profile } : done;
}
