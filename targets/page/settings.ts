/**
 * The one place a page job's threads and SIMD are decided, from what the job
 * asks, config `run.threads` and the capabilities the page reported. The
 * decision goes into the job (`PageJob.wasm`, which the page runs exactly or
 * refuses) and into the measurement's key, so the key names what ran.
 *
 * The default thread count is a rule per kind of device, shared with the
 * phone's native runtime (targets/android/native-job.ts), and written in the
 * device block (`extra.threadsFrom`) so a record says where its count came from.
 */
import type { Job } from '../types.ts';
import { isWasmRuntime, type PageCapabilities, type WasmSettings } from './app/protocol.ts';

/**
 * Default threads when neither the job nor `run.threads` names a count:
 * `every-core` on a desktop browser; `phone`, at most 4, on a phone (page and
 * `benchmark_model` alike): a big.LITTLE phone's little cores slow a job
 * spread over all of them, and 4 is TFLite's own advice.
 */
export type ThreadRule = 'every-core' | 'phone';

/** Where a thread count came from, as the record says it. */
export type ThreadsFrom = 'job option' | 'run.threads' | 'every core' | 'min(4, cores)' | 'no wasm threads in this browser';

export const PHONE_MAX_THREADS = 4;

export interface ThreadChoice {
  threads: number;
  from: ThreadsFrom;
}

/** Threads for a job: its own `threads` option, then config `run.threads`, then the device's rule on its `cores`. */
export function chooseThreads(own: unknown, configThreads: number | undefined, cores: number, rule: ThreadRule): ThreadChoice {
  if (typeof own === 'number' && own >= 1) return { threads: Math.floor(own), from: 'job option' };
  if (configThreads !== undefined) return { threads: configThreads, from: 'run.threads' };
  const known = Math.max(1, Math.floor(cores) || 1);
  return rule === 'phone' ? { threads: Math.min(PHONE_MAX_THREADS, known), from: 'min(4, cores)' } : { threads: known, from: 'every core' };
}

/** What a page job runs with: the wasm settings for a wasm runtime (absent for the others) and where its threads came from. */
export interface PageSettings {
  wasm?: WasmSettings;
  threadsFrom?: ThreadsFrom;
}

/**
 * The settings a page job runs with in a browser with `caps`. Threads need
 * threaded wasm (isolation, shared memory); LiteRT.js ships threads only on
 * top of relaxed SIMD and picks relaxed SIMD whenever the browser has it;
 * tfjs-wasm uses SIMD where the browser has it unless the job says `simd: false`.
 */
export function decidePageSettings(job: Job, options: { configThreads: number | undefined; rule: ThreadRule }, caps: PageCapabilities): PageSettings {
  if (!isWasmRuntime(job.runtime)) return {};
  const choice = chooseThreads(job.runtimeOptions.threads, options.configThreads, caps.hardwareConcurrency, options.rule);
  const single = { threads: 1, from: 'no wasm threads in this browser' } as const;
  if (job.runtime === 'tfjs-wasm') {
    const simd = caps.wasm.simd && job.runtimeOptions.simd !== false;
    const threads = caps.wasm.threads ? choice : single;
    return { wasm: { threads: threads.threads, simd }, threadsFrom: threads.from };
  }
  const threads = caps.wasm.threads && caps.wasm.relaxedSimd ? choice : single;
  return { wasm: { threads: threads.threads, simd: caps.wasm.relaxedSimd }, threadsFrom: threads.from };
}
