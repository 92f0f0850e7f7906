/**
 * Runs one job on a target as a run would: keyed first by the target, as the
 * plan keys every job (targets/result.ts `keyedJob`), then run. Tests that
 * drive a target directly build a JobSpec and go through here.
 */
import { keyedJob } from '../../targets/result.ts';
import type { JobResult, JobSpec, Target, TargetContext } from '../../targets/types.ts';

export function runJob(target: Target, spec: JobSpec, context: TargetContext): Promise<JobResult> {
  return target.run(keyedJob(target, spec, context.config), context);
}
