/**
 * One Node target for a test file's many runs, its runtimes probed once.
 *
 * Every `runBenchmarks` discovers its targets, and the Node target's
 * discovery probes every runtime it knows in a worker process: TF.js's
 * backends loaded, the TFLite addon and its XNNPACK plugin checked, and Dawn
 * asked for a WebGPU adapter in one or two child processes of its own (with
 * no GPU, SwiftShader's). That took 4–8 s of wall and ~2 s of CPU per run on
 * an idle 2-core machine (2026-12-07), and files that run the harness five
 * times over one tiny model paid it five times. Where discovery is not what a
 * file checks, its runs share one target: the first run probes for real, the
 * later ones get the same answer (the runtimes on one machine do not change
 * between two runs a few seconds apart). A run probes only the runtimes its
 * --backends names, so the answer is kept per set of names; or, with `probe`,
 * one probe of those names serves every run (each run's plan takes only the
 * runtimes its own --backends names, as it did when discovery probed them all).
 */
import type { TargetKind } from '../../harness/core/record.ts';
import { createNodeTarget, type NodeTargetOptions } from '../../targets/node/index.ts';
import type { DiscoveredDevice, Target } from '../../targets/types.ts';

/** `runBenchmarks`'s `targets` option: a Node target whose discovery (its probe) runs once, on the first run. */
export function nodeTargetProbedOnce(options: NodeTargetOptions = {}, shared: { probe?: readonly string[] } = {}): Partial<Record<TargetKind, () => Promise<Target>>> {
  const target = createNodeTarget(options);
  // A run probes the runtimes its --backends names (targets/node/index.ts): one probe per set of names.
  const discovered = new Map<string, Promise<DiscoveredDevice[]>>();
  // The target's own methods keep what each probe found (each runtime's key options, its worker environment).
  const sharedTarget: Target = {
    ...target,
    discover(context) {
      const backends = shared.probe ?? context.config.run.backends;
      const names = JSON.stringify(backends ?? null);
      if (!discovered.has(names)) discovered.set(names, target.discover(shared.probe ? { ...context, config: { ...context.config, run: { ...context.config.run, backends: [...shared.probe] } } } : context));
      return discovered.get(names)!;
    },
  };
  return { node: async () => sharedTarget };
}
