/**
 * The host-retrain phase of a run with the retrain workload: each retrained
 * model's training pack, and the host's own retrain of it (the accuracy every
 * target's retrain is checked against), given to its retrain jobs. A model
 * whose pack cannot be made fails its retrain jobs (phase setup) and only
 * those; without the host's accuracy the jobs still run, unchecked.
 */
import type { ResolvedConfig } from './core/config.ts';
import { firstLine } from './core/format.ts';
import type { Logger } from './core/log.ts';
import type { Failure } from './core/record.ts';
import type { PlannedJob } from './plan.ts';
import { failure } from '../targets/result.ts';
import type { RetrainJob } from '../targets/types.ts';

export interface HostRetrainOptions {
  config: ResolvedConfig;
  log: Logger;
  out: string;
  cwd: string;
  signal: AbortSignal;
}

/** The jobs with their training packs and host accuracy (new jobs; those given are left as they were), and the failures of the retrain jobs whose pack could not be made. */
export async function withHostRetrain(jobs: readonly PlannedJob[], options: HostRetrainOptions): Promise<{ jobs: PlannedJob[]; failures: Failure[] }> {
  if (!jobs.some(({ job }) => job.retrain)) return { jobs: [...jobs], failures: [] };
  const { ensureTrainPack, hostRetrain } = await import('./retrain-workload.ts');
  const retrains = new Map<string, RetrainJob>();
  const failed = new Set<string>();
  const failures: Failure[] = [];
  for (const model of new Set(jobs.filter(({ job }) => job.retrain).map(({ job }) => job.artifact.model))) {
    if (options.signal.aborted) break;
    const mine = jobs.filter(({ job }) => job.retrain && job.artifact.model === model);
    const { job: first } = mine[0]!;
    let pack: Awaited<ReturnType<typeof ensureTrainPack>>;
    try {
      pack = await ensureTrainPack({ ...options, metadata: first.metadata });
    } catch (error) {
      options.log.warn(`${model}: no training pack (${firstLine(error)}): its retrain jobs fail`);
      failed.add(model);
      failures.push(...mine.map((planned) => failure(planned.job, 'setup', error)));
      continue;
    }
    try {
      const started = performance.now();
      const host = await hostRetrain({ artifact: first.artifact, metadata: first.metadata, packDir: pack.dir, trainPack: pack.pack, evalPackDir: first.evalPackDir, settings: first.retrain!.settings, out: options.out });
      options.log.info(`${model}: the host's retrain reaches ${(host.accuracy * 100).toFixed(1)}% on ${host.backend}${host.cached ? ' (cached)' : ` in ${((performance.now() - started) / 1000).toFixed(1)} s`}`);
      retrains.set(model, { ...first.retrain!, packDir: pack.dir, host: { accuracy: host.accuracy, backend: host.backend } });
    } catch (error) {
      options.log.warn(`${model}: the host's retrain failed (${firstLine(error)}): targets' accuracy is not checked against it`);
    }
  }
  return {
    jobs: jobs
      .filter(({ job }) => !(job.retrain && failed.has(job.artifact.model)))
      .map((planned) => {
        const retrain = planned.job.retrain && retrains.get(planned.job.artifact.model);
        return retrain ? { ...planned, job: { ...planned.job, retrain: { ...planned.job.retrain!, packDir: retrain.packDir, host: retrain.host } } } : planned;
      }),
    failures,
  };
}
