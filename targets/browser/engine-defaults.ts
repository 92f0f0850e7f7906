/**
 * What an extra engine (Firefox, WebKit) measures in a default run: each
 * path's fastest runtime on a machine's CPU, tfjs-wasm for the Mobile path
 * and litert-wasm for the Lite path, on the float32 artifact of each.
 * Chromium alone runs every runtime and variant by default; the engines'
 * other runtimes are opt-in and their other variants left out, so `bench
 * all` stays within its time goal with every engine installed, and a plan
 * line names each thing left out and how to measure it (`--backends`).
 */
import type { RuntimeStatus } from '../types.ts';
import type { BrowserEngine } from './browsers.ts';

/** The runtimes an extra engine runs by default: one per path. */
export const EXTRA_ENGINE_DEFAULTS: readonly string[] = ['tfjs-wasm', 'litert-wasm'];

/**
 * The one variant an extra engine measures of each path by default: float32,
 * the variant both paths have (the Mobile model has no other), so the
 * engines' rows compare with each other and with Chromium's at the same
 * accuracy. Not measured to be the fastest on every engine: `--backends
 * litert-wasm` measures every variant.
 */
export const EXTRA_ENGINE_DEFAULT_VARIANTS: readonly string[] = ['float32'];

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
  const variants = { variants: [...EXTRA_ENGINE_DEFAULT_VARIANTS], reason: `only the ${EXTRA_ENGINE_DEFAULT_VARIANTS.join(', ')} artifact (${engine === 'firefox' ? 'Firefox' : 'WebKit'} measures one variant per path by default)` };
  return marked.map((status) => {
    if (!status.available || status.optIn || status.software) return status;
    return EXTRA_ENGINE_DEFAULTS.includes(status.runtime) ? { ...status, defaultVariants: variants } : { ...status, optIn: reason };
  });
}
