/**
 * The schedule and noise knobs of a run, as its record reports them
 * (`conditions`): rounds, order, cool-down, threads, and whether the jobs
 * are pinned to `run.cpus` (asked of the targets that pin: the Node target).
 */
import { availableParallelism } from 'node:os';
import type { ResolvedConfig } from './core/config.ts';
import type { Logger } from './core/log.ts';
import type { MeasurementConditions } from './core/record.ts';
import type { ActiveTarget } from './plan.ts';

export function measurementConditions(config: ResolvedConfig, active: readonly ActiveTarget[], log: Logger): MeasurementConditions {
  const { rounds, order, seed, cooldownMs, cpus, threads } = config.run;
  let affinity: MeasurementConditions['affinity'] = null;
  const pinner = cpus ? active.find(({ target }) => target.cpuPinning)?.target : undefined;
  if (cpus && pinner) {
    const pinned = pinner.cpuPinning!(cpus);
    affinity = pinned.applied ? { cpus, applied: true } : { cpus, applied: false, reason: pinned.reason };
    if (!pinned.applied) log.warn(`run.cpus: not pinning the ${pinner.kind} target's jobs: ${pinned.reason}`);
  }
  return { rounds, order, ...(order === 'shuffled' ? { seed } : {}), cooldownMs, threads: threads ?? availableParallelism(), affinity };
}
