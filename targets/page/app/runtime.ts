/**
 * What every page runtime provides: set itself up once (backend, wasm
 * module), then load the job's artifact as an InferenceSession for the kernel.
 */
import type { InferenceSession } from '../../kernel/types.ts';
import type { PageJob, PageRuntimeReport, WasmSettings } from './protocol.ts';

export interface PreparedRuntime {
  /** What it actually runs with (backend, threads, SIMD, versions). */
  report: PageRuntimeReport;
  /** Loads the artifact; the kernel times this as the load phase. */
  load(): Promise<InferenceSession>;
}

export type RuntimeSetup = (job: PageJob) => Promise<PreparedRuntime>;

/** Where the static server puts each runtime's wasm files (see ../server.ts and ../assets.ts). */
export const VENDOR_PATHS = {
  tfjsWasm: '/vendor/tfjs-wasm/',
  litert: '/vendor/litert/',
} as const;

/**
 * The threads and SIMD the host decided for a wasm runtime (protocol.ts
 * WasmSettings). The page has no default of its own: a job without them is
 * refused, so only the host's decision (targets/page/settings.ts) is ever used.
 */
export function wasmSettings(job: PageJob): WasmSettings {
  const wasm = job.wasm;
  if (!wasm || !Number.isInteger(wasm.threads) || wasm.threads < 1 || typeof wasm.simd !== 'boolean') {
    throw new Error(`${job.runtime} needs the job's wasm settings ({ threads: integer ≥ 1, simd: boolean }), decided by the host; got ${JSON.stringify(wasm)}`);
  }
  return wasm;
}

/** The page cannot run what the host decided (a host that predicted capabilities wrongly): say so rather than run something else. */
export function settingsRefused(job: PageJob, what: string): Error {
  return new Error(`${job.runtime}: the job asks for ${what}, which this page cannot give (capabilities changed since the host read them?)`);
}
