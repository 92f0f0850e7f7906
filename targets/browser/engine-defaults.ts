/**
 * What an extra engine (Firefox, WebKit) measures in a default run: each
 * path's fastest runtime on a machine's CPU, tfjs-wasm for the Mobile path
 * and litert-wasm for the Lite path, every variant of each. Chromium alone
 * runs every runtime by default; the engines' other runtimes are opt-in, so
 * `bench all` stays within its time goal with every engine installed, and a
 * plan line names each one left out and how to measure it (`--backends`).
 */
import type { RuntimeStatus } from '../types.ts';
import type { BrowserEngine } from './browsers.ts';

/** The runtimes an extra engine runs by default: one per path. */
export const EXTRA_ENGINE_DEFAULTS: readonly string[] = ['tfjs-wasm', 'litert-wasm'];

/** GPU runtimes of a page: the ones a software renderer would run. */
const GPU_RUNTIMES = ['tfjs-webgl', 'tfjs-webgpu', 'litert-webgpu'];

/**
 * WebKit on the Xvfb display it is started on: Xvfb has no GPU, so its WebGL
 * is Mesa's software rasteriser, though WebKit names every renderer "Apple
 * GPU" (it masks the real one), so the page cannot tell.
 */
export const XVFB_SOFTWARE = 'software rendering on Xvfb (no GPU; WebKit names every renderer "Apple GPU")';

/**
 * The runtime statuses of a browser of `engine`, the ones an extra engine
 * leaves out of a default run marked opt-in; `software` (a browser known to
 * render on a CPU whatever its page reports) marks its GPU runtimes software.
 */
export function engineDefaults(engine: BrowserEngine, statuses: RuntimeStatus[], options: { software?: string } = {}): RuntimeStatus[] {
  const marked = options.software ? statuses.map((status) => (status.available && !status.software && GPU_RUNTIMES.includes(status.runtime) ? { ...status, software: options.software } : status)) : statuses;
  if (engine === 'chromium') return marked;
  const reason = `${engine === 'firefox' ? 'Firefox' : 'WebKit'} measures each path's fastest runtime by default (${EXTRA_ENGINE_DEFAULTS.join(', ')})`;
  return marked.map((status) => (status.available && !status.optIn && !status.software && !EXTRA_ENGINE_DEFAULTS.includes(status.runtime) ? { ...status, optIn: reason } : status));
}
