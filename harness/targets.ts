/** The registry of target kinds, beside the orchestrator that uses it. */
import type { TargetKind } from './core/record.ts';
import type { Target } from '../targets/types.ts';

/** Target kinds by name, imported lazily (browsers and Appium are heavy). */
export const targetFactories: Record<TargetKind, () => Promise<Target>> = {
  node: async () => (await import('../targets/node/index.ts')).createNodeTarget(),
  browser: async () => (await import('../targets/browser/index.ts')).createBrowserTarget(),
  android: async () => (await import('../targets/android/index.ts')).createAndroidTarget(),
};
