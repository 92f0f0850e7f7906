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

/** The runtime statuses of a browser of `engine`, the ones an extra engine leaves out of a default run marked opt-in. */
export function engineDefaults(engine: BrowserEngine, statuses: RuntimeStatus[]): RuntimeStatus[] {
  if (engine === 'chromium') return statuses;
  const reason = `${engine === 'firefox' ? 'Firefox' : 'WebKit'} measures each path's fastest runtime by default (${EXTRA_ENGINE_DEFAULTS.join(', ')})`;
  return statuses.map((status) => (status.available && !status.optIn && !status.software && !EXTRA_ENGINE_DEFAULTS.includes(status.runtime) ? { ...status, optIn: reason } : status));
}
