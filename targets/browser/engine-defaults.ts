/**
 * What an extra engine (Firefox, WebKit) measures in a default run: each
 * path's fastest runtime on a machine's CPU, tfjs-wasm for the Mobile path
 * and litert-wasm for the Lite path, on the float32 artifact of each.
 * Chromium alone runs every runtime and variant by default; the engines'
 * other runtimes are opt-in and their other variants left out, so `bench
 * all` stays within its time goal with every engine installed, and a plan
 * line names each thing left out and how to measure it (`--backends`). A run
 * of one model (`--model mobilenet_v2`) measures every variant there too.
 */
import { VARIANTS } from '../../harness/core/record.ts';
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
export function engineDefaults(engine: BrowserEngine, statuses: RuntimeStatus[], options: { software?: string; everyVariant?: boolean } = {}): RuntimeStatus[] {
  const marked = options.software ? statuses.map((status) => (status.available && !status.software && GPU_RUNTIMES.includes(status.runtime) ? { ...status, software: options.software } : status)) : statuses;
  if (engine === 'chromium') return marked;
  const named = engine === 'firefox' ? 'Firefox' : 'WebKit';
  const reason = `${named} measures each path's fastest runtime by default (${EXTRA_ENGINE_DEFAULTS.join(', ')})`;
  const oneVariant = { variants: [...EXTRA_ENGINE_DEFAULT_VARIANTS], reason: `only the ${EXTRA_ENGINE_DEFAULT_VARIANTS.join(', ')} artifact (${named} measures one variant per path by default; a run of one model measures every variant)` };
  // Every variant, but still no retrain job: the Show compares inference across engines, and a retrain in each engine would double the run.
  const noRetrain = { variants: [...VARIANTS], reason: `no retrain job in ${named} by default` };
  return marked.map((status) => {
    if (!status.available || status.optIn || status.software) return status;
    if (!EXTRA_ENGINE_DEFAULTS.includes(status.runtime)) return { ...status, optIn: reason };
    if (!options.everyVariant) return { ...status, defaultVariants: oneVariant };
    return status.trains ? { ...status, defaultVariants: noRetrain } : status;
  });
}

/**
 * Whether a run lifts the extra engines' one-variant rule: a run of one
 * model (`bench all --model mobilenet_v2`) has the time for every variant in
 * every engine; the default run of two models keeps float32 there, for
 * `bench all`'s 10-minute goal.
 */
export function everyVariantIn(models: readonly unknown[]): boolean {
  return models.length === 1;
}
