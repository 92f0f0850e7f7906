/**
 * The registry of target kinds, beside the orchestrator that uses it, and
 * what the run does with targets across kinds: discover, prepare, find the
 * one that makes agreement references, dispose.
 */
import type { ResolvedConfig } from './core/config.ts';
import type { Failure, TargetKind } from './core/record.ts';
import type { Logger } from './core/log.ts';
import type { DiscoveredDevice, Target, TargetContext } from '../targets/types.ts';
import { failure } from '../targets/result.ts';
import { firstLine } from './core/format.ts';
import { devicesWithJobs, type ActiveTarget, type PlannedJob } from './plan.ts';

/** Target factories by kind; a run's own (tests inject targets here) over the built-in ones. */
export type TargetFactories = Partial<Record<TargetKind, () => Promise<Target>>>;

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
 * Loads each kind's target and asks it for its devices, the kinds side by
 * side (nothing in a discovery is timed, and each mostly waits on processes
 * of its own: the Node runtimes' probe worker, the browsers, adb; one after
 * another they were a warm `bench all`'s 2.4 s before its first job), the
 * result in the kinds' order. A module that fails to import or a discovery
 * that throws is a failure of that kind (with the first line of its error),
 * never an exception; a target whose discovery threw is disposed here. An
 * aborted signal starts none.
 */
export async function discoverKinds(
  kinds: readonly TargetKind[],
  context: TargetContext,
  factories: TargetFactories = targetFactories,
): Promise<KindDiscovery[]> {
  if (context.signal.aborted) return [];
  return Promise.all(
    kinds.map(async (kind): Promise<KindDiscovery> => {
      let target: Target;
      try {
        const factory = factories[kind] ?? targetFactories[kind];
        target = await factory();
      } catch (error) {
        return { kind, ok: false, stage: 'load', message: firstLine(error) };
      }
      try {
        return { kind, ok: true, target, devices: await target.discover(context) };
      } catch (error) {
        await target.dispose?.().catch(() => {});
        return { kind, ok: false, stage: 'discover', message: firstLine(error) };
      }
    }),
  );
}


/** Imports and asks each target in run.targets; one that is missing or finds nothing is one info line, not an error. */
export async function discoverTargets(context: TargetContext, factories: TargetFactories = {}): Promise<ActiveTarget[]> {
  const { config, log } = context;
  const active: ActiveTarget[] = [];
  for (const found of await discoverKinds(config.run.targets, context, { ...targetFactories, ...factories })) {
    const { kind } = found;
    if (!found.ok) {
      log.info(found.stage === 'load' ? `${kind}: not available (${found.message})` : `${kind}: discovery failed (${found.message})`);
      continue;
    }
    const { target, devices } = found;
    const usable = devices.filter((candidate) => candidate.usable);
    for (const candidate of devices.filter((device) => !device.usable)) log.info(`${kind} ${candidate.device.name}: not usable (${candidate.reason ?? 'no reason given'})`);
    if (usable.length === 0) {
      log.info(`${kind}: no usable device found`);
      await target.dispose?.().catch(() => {});
      continue;
    }
    for (const candidate of usable) {
      const available = candidate.runtimes.filter((runtime) => runtime.available).map((runtime) => runtime.runtime);
      const unavailable = candidate.runtimes.filter((runtime) => !runtime.available).map((runtime) => runtime.runtime);
      log.info(`${kind} ${candidate.device.name}: ${available.join(', ') || (config.run.backends ? 'none of --backends' : 'no runtime')}${unavailable.length ? ` (unavailable: ${unavailable.join(', ')}; see \`bench devices\`)` : ''}`);
    }
    active.push({ target, devices: usable });
  }
  return active;
}

/** A warning for each run.backends name no target found. */
export function warnUnknownBackends(config: ResolvedConfig, active: readonly ActiveTarget[], log: Logger): void {
  if (!config.run.backends) return;
  const known = new Set(active.flatMap((entry) => entry.devices.flatMap((found) => found.runtimes.map((runtime) => runtime.runtime))));
  for (const name of config.run.backends) {
    if (!known.has(name)) log.warn(`--backends ${name}: no target found a runtime of that name (found: ${[...known].join(', ') || 'none'})`);
  }
}

/**
 * Calls each target's prepare once. A target that cannot prepare fails its
 * jobs (phase setup): they come back as failures, and the jobs returned are
 * the others.
 */
export async function prepareTargets(active: readonly ActiveTarget[], jobs: readonly PlannedJob[], context: TargetContext): Promise<{ jobs: PlannedJob[]; failures: Failure[]; failedTargets: Target[] }> {
  const failed = new Set<Target>();
  const failures: Failure[] = [];
  for (const { target, devices } of active) {
    if (!target.prepare || context.signal.aborted) continue;
    try {
      await target.prepare(context, devices);
    } catch (error) {
      context.log.warn(`${target.kind}: preparation failed: ${firstLine(error)}`);
      failed.add(target);
      failures.push(...jobs.filter((planned) => planned.target === target).map((planned) => failure(planned.job, 'setup', error)));
    }
  }
  return { jobs: jobs.filter((planned) => !failed.has(planned.target)), failures, failedTargets: [...failed] };
}

/**
 * Begins each target's early start (a browser's launch) on the devices the
 * plan will give jobs to, in the background; settles when every one has
 * (never rejects). Each target's prepare waits for its own.
 */
export async function startTargetsEarly(active: readonly ActiveTarget[], context: TargetContext): Promise<void> {
  await Promise.all(active.map(({ target, devices }) => target.startEarly?.(context, devicesWithJobs(devices, context.config))));
}

/** Disposes every target; one that fails to is a warning. */
export async function disposeTargets(active: readonly ActiveTarget[], log: Logger): Promise<void> {
  for (const { target } of active) {
    try {
      await target.dispose?.();
    } catch (error) {
      log.warn(`${target.kind}: cleanup failed: ${(error as Error).message}`);
    }
  }
}

/**
 * The target that makes agreement references: an active one that can, else
 * the Node target loaded for that alone (its reference is TF.js in Node,
 * whatever the run measures on). Undefined when none can.
 */
export async function referenceTarget(active: readonly ActiveTarget[], factories: TargetFactories = {}): Promise<Target | undefined> {
  const found = active.find(({ target }) => target.reference)?.target;
  if (found) return found;
  const target = await (factories.node ?? targetFactories.node)();
  return target.reference ? target : undefined;
}

/**
 * A factory whose target is made once and discovers once: for a command that
 * runs the benchmark several times over (`bench calibrate`'s A/A runs), so
 * each run after the first takes the first one's devices and runtimes instead
 * of probing again (the Node target's probe is a worker loading every runtime
 * named, Dawn's adapter queries in processes of their own: seconds each, and
 * a default calibration has 8 runs). For a target that holds nothing a run's
 * dispose must end (the Node target has no dispose); the runtimes on one
 * machine do not change between runs a few minutes apart.
 */
export function discoveringOnce(factory: () => Promise<Target>): () => Promise<Target> {
  let kept: Promise<Target> | undefined;
  return () =>
    (kept ??= factory().then((target) => {
      let devices: Promise<DiscoveredDevice[]> | undefined;
      return { ...target, discover: (context: TargetContext) => (devices ??= target.discover(context)) };
    }));
}
