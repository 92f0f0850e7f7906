/**
 * The one page-job flow, the same for a desktop browser and a phone's:
 * decide the job's threads and SIMD (./settings.ts) and so its key, fail at
 * once where the browser cannot run the runtime, put the job's files on the
 * page server, run it on the page host, and read the result back into the
 * record's Measurement or Failure.
 */
import type { DeviceInfo, JobPhase, TargetKind } from '../../harness/core/record.ts';
import { failed, jobKeyOptions } from '../result.ts';
import type { Job, JobResult } from '../types.ts';
import { isPageRuntime, PAGE_RUNTIMES } from './app/protocol.ts';
import type { BrowserFacts } from './facts.ts';
import type { PageHost } from './host.ts';
import { pageKeyOptions, toJobResult } from './mapping.ts';
import { preparePageJob, type PageServer } from './page-server.ts';
import { decidePageSettings, type ThreadRule } from './settings.ts';

export interface PageJobRun {
  target: TargetKind;
  host: PageHost;
  facts: BrowserFacts;
  /** The page server (started on first use). */
  server(): Promise<PageServer>;
  /** Config `run.threads`, and the default rule for this kind of device. */
  threads: { config: number | undefined; rule: ThreadRule };
  timeoutMs: number;
  signal?: AbortSignal;
  onPhase?: (phase: JobPhase) => void;
  /** Where the job runs, for messages: `Chromium 156.0…`, `Chrome on 2B161JEGR04567`. */
  where: string;
  /** The device block a measurement starts from (default the job's): a phone adds its browser and route. */
  device?: DeviceInfo;
}

export async function runPageJob(job: Job, run: PageJobRun): Promise<JobResult> {
  if (!isPageRuntime(job.runtime)) {
    return failed({ job, target: run.target, options: jobKeyOptions(job) }, 'setup', new Error(`the ${run.target} target has no page runtime "${job.runtime}" (it has ${PAGE_RUNTIMES.join(', ')})`));
  }
  const settings = decidePageSettings(job, { configThreads: run.threads.config, rule: run.threads.rule }, run.facts.caps);
  const options = pageKeyOptions(job, settings);
  const fail = (error: unknown) => failed({ job, target: run.target, options }, 'setup', error);
  const status = run.facts.statuses.find((candidate) => candidate.runtime === job.runtime);
  if (status && !status.available) return fail(new Error(`${job.runtime} is unavailable in ${run.where}: ${status.reason}`));
  let pageJob;
  try {
    pageJob = await preparePageJob((await run.server()).server, job, { settings });
  } catch (error) {
    return fail(error);
  }
  const result = await run.host.run(pageJob, { timeoutMs: run.timeoutMs, ...(run.signal ? { signal: run.signal } : {}), ...(run.onPhase ? { onPhase: run.onPhase } : {}) });
  return toJobResult(job, result, { target: run.target, options, settings, ...(run.device ? { device: run.device } : {}) });
}
