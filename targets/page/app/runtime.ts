/**
 * What every page runtime provides: set itself up once (backend, wasm
 * module), then load the job's artifact as an InferenceSession for the kernel.
 */
import type { InferenceSession } from '../../kernel/types.ts';
import type { PageJob, PageRuntimeReport } from './protocol.ts';

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

/** Threads asked for, or a default that leaves the browser a core. */
export function threadsFor(job: PageJob): number {
  const asked = job.runtimeOptions.threads;
  if (asked !== undefined) return Math.max(1, Math.floor(asked));
  const cores = navigator.hardwareConcurrency || 1;
  return Math.max(1, Math.min(4, cores));
}
