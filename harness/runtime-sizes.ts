/**
 * The download size of each page runtime in the plan (JS bundle + wasm), for
 * the report's size comparison: asked of each target that ships runtimes to
 * a page, once per runtime.
 */
import { firstLine } from './core/format.ts';
import type { Logger } from './core/log.ts';
import type { RuntimeSize } from './core/record.ts';
import type { PlannedJob } from './plan.ts';

export async function plannedRuntimeSizes(jobs: readonly PlannedJob[], log: Logger): Promise<RuntimeSize[]> {
  const sizes = new Map<string, RuntimeSize>();
  for (const target of new Set(jobs.map(({ target }) => target))) {
    if (!target.runtimeSizes) continue;
    const planned = [...new Set(jobs.filter((entry) => entry.target === target).map(({ job }) => job.runtime))].filter((runtime) => !sizes.has(runtime));
    if (planned.length === 0) continue;
    try {
      for (const size of await target.runtimeSizes(planned)) sizes.set(size.runtime, size);
    } catch (error) {
      log.warn(`runtime download sizes not measured (${target.kind}): ${firstLine(error)}`);
    }
  }
  return [...sizes.values()];
}
