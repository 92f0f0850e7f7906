/**
 * The one place a page job's threads and SIMD are decided: when the plan
 * keys the job (a target's `keyOptions` hook), from what the job asks, config
 * `run.threads` and the browser's capabilities. The decision is the key's
 * `threads` and `simd`; at run time the job flow (./job-flow.ts) reads them
 * back from the key into the PageJob (`wasm`), which the page runs exactly or
 * refuses. So a key always names the settings that ran.
 *
 * The default thread count is a rule per kind of device, shared with the
 * phone's native runtime (targets/android/native-job.ts), and written in the
 * device block (`extra.threadsDefault`).
 */
import type { Job, JobSpec, KeyOptions } from '../types.ts';
import { isWasmRuntime, type PageCapabilities, type WasmSettings } from './app/protocol.ts';
import { jobKeyOptions } from '../result.ts';

/**
 * Default threads when neither the job nor `run.threads` names a count:
 * `every-core` on a desktop browser; `phone`, at most 4, on a phone (page and
 * `benchmark_model` alike): a big.LITTLE phone's little cores slow a job
 * spread over all of them, and 4 is TFLite's own default advice.
 */
export type ThreadRule = 'every-core' | 'phone';

/** Each rule as the record writes it (`device.extra.threadsDefault`). */
export const THREAD_RULES: Record<ThreadRule, string> = { 'every-core': 'every core', phone: 'min(4, cores)' };

export const PHONE_MAX_THREADS = 4;

/** Threads for a job: its own `threads` option, then config `run.threads`, then the device's rule on its `cores`. */
export function chooseThreads(own: unknown, configThreads: number | undefined, cores: number, rule: ThreadRule): number {
  if (typeof own === 'number' && own >= 1) return Math.floor(own);
  if (configThreads !== undefined) return configThreads;
  const known = Math.max(1, Math.floor(cores) || 1);
  return rule === 'phone' ? Math.min(PHONE_MAX_THREADS, known) : known;
}

/** What the decision needs of the browser: its cores and its wasm features. */
export type WasmFeatures = Pick<PageCapabilities, 'hardwareConcurrency' | 'wasm'>;

/**
 * The settings a wasm runtime runs with in a browser with `caps` (undefined
 * for the other runtimes). Threads need threaded wasm (isolation, shared
 * memory); LiteRT.js ships threads only on top of relaxed SIMD and picks
 * relaxed SIMD whenever the browser has it; tfjs-wasm uses SIMD where the
 * browser has it unless the job says `simd: false`.
 */
export function decideWasmSettings(job: JobSpec, options: { configThreads: number | undefined; rule: ThreadRule }, caps: WasmFeatures): WasmSettings | undefined {
  if (!isWasmRuntime(job.runtime)) return undefined;
  const threads = chooseThreads(job.runtimeOptions.threads, options.configThreads, caps.hardwareConcurrency, options.rule);
  if (job.runtime === 'tfjs-wasm') return { threads: caps.wasm.threads ? threads : 1, simd: caps.wasm.simd && job.runtimeOptions.simd !== false };
  return { threads: caps.wasm.threads && caps.wasm.relaxedSimd ? threads : 1, simd: caps.wasm.relaxedSimd };
}

/** A page job's key options: the job's, with the decided threads and SIMD of a wasm runtime (`batch` first, as the Node target keys it). */
export function pageKeyOptions(job: JobSpec, wasm: WasmSettings | undefined): KeyOptions {
  const base = jobKeyOptions(job);
  return wasm ? { ...base, threads: wasm.threads, simd: wasm.simd } : base;
}

/** The settings decided for a keyed job, read back from its key; undefined for a runtime that takes none. */
export function keyedWasmSettings(job: Job): WasmSettings | undefined {
  if (!isWasmRuntime(job.runtime)) return undefined;
  const { threads, simd } = job.key.options;
  if (typeof threads !== 'number' || typeof simd !== 'boolean') throw new Error(`${job.runtime}: the job's key has no decided threads and SIMD (${JSON.stringify(job.key.options)}); was it keyed by its target?`);
  return { threads, simd };
}

/**
 * Why a browser with `caps` cannot run `wasm` (a phone's key assumes its
 * browser before it opens), or undefined. The job then fails in setup with
 * this rather than run other settings under its key.
 */
export function settingsProblem(runtime: string, wasm: WasmSettings, caps: WasmFeatures): string | undefined {
  const threadsNeed = runtime === 'litert-wasm' ? caps.wasm.threads && caps.wasm.relaxedSimd : caps.wasm.threads;
  if (wasm.threads > 1 && !threadsNeed) return `${wasm.threads} threads were decided for ${runtime}, but this browser has no threaded wasm${runtime === 'litert-wasm' ? ' with relaxed SIMD' : ''}: run it with the job option threads: 1`;
  const simdHave = runtime === 'litert-wasm' ? caps.wasm.relaxedSimd : caps.wasm.simd;
  if (wasm.simd && !simdHave) return `SIMD was decided for ${runtime}, but this browser has no ${runtime === 'litert-wasm' ? 'relaxed ' : ''}SIMD${runtime === 'tfjs-wasm' ? ': run it with the job option simd: false' : ''}`;
  if (runtime === 'litert-wasm' && !wasm.simd && simdHave) return 'litert-wasm uses relaxed SIMD wherever the browser has it; it cannot be turned off';
  return undefined;
}
