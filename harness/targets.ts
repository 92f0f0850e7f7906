/** The registry of target kinds, beside the orchestrator that uses it, and discovery across kinds. */
import type { TargetKind } from './core/record.ts';
import type { DiscoveredDevice, Target, TargetContext } from '../targets/types.ts';
import { firstLine } from './core/format.ts';

/** Target kinds by name, imported lazily (browsers and Appium are heavy). */
export const targetFactories: Record<TargetKind, () => Promise<Target>> = {
  node: async () => (await import('../targets/node/index.ts')).createNodeTarget(),
  browser: async () => (await import('../targets/browser/index.ts')).createBrowserTarget(),
  android: async () => (await import('../targets/android/index.ts')).createAndroidTarget(),
};

/** One kind's discovery: its target (still loaded: the caller disposes it) and devices, or why there are none. */
export type KindDiscovery =
  | { kind: TargetKind; ok: true; target: Target; devices: DiscoveredDevice[] }
  | { kind: TargetKind; ok: false; stage: 'load' | 'discover'; message: string };

/**
 * Loads each kind's target and asks it for its devices, one kind at a time.
 * A module that fails to import or a discovery that throws is a failure of
 * that kind (with the first line of its error), never an exception; a target
 * whose discovery threw is disposed here. Stops at an aborted signal.
 */
export async function discoverKinds(
  kinds: readonly TargetKind[],
  context: TargetContext,
  factories: Partial<Record<TargetKind, () => Promise<Target>>> = targetFactories,
): Promise<KindDiscovery[]> {
  const found: KindDiscovery[] = [];
  for (const kind of kinds) {
    if (context.signal.aborted) break;
    let target: Target;
    try {
      const factory = factories[kind] ?? targetFactories[kind];
      target = await factory();
    } catch (error) {
      found.push({ kind, ok: false, stage: 'load', message: firstLine(error) });
      continue;
    }
    try {
      found.push({ kind, ok: true, target, devices: await target.discover(context) });
    } catch (error) {
      found.push({ kind, ok: false, stage: 'discover', message: firstLine(error) });
      await target.dispose?.().catch(() => {});
    }
  }
  return found;
}

