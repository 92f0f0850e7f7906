/**
 * The one page-job flow, the same for a desktop browser and a phone's: read
 * the threads and SIMD decided for the job back from its key (./settings.ts),
 * fail at once where the browser cannot run the runtime or those settings,
 * put the job's files on the page server, run it on the page host, and read
 * the result back into the record's Measurement or Failure (under the job's key).
 */
import type { DeviceInfo, JobPhase, TargetKind } from '../../harness/core/record.ts';
import { failed } from '../result.ts';
import type { Job, JobResult } from '../types.ts';
import { isPageRuntime, PAGE_RUNTIMES, type PageJob } from './app/protocol.ts';
import type { BrowserFacts } from './facts.ts';
import type { PageHost, RunPageJobOptions } from './page-host.ts';
import { toJobResult } from './mapping.ts';
import { preparePageJob, type PageServer } from './page-server.ts';
import { keyedWasmSettings, settingsProblem, THREAD_RULES, type ThreadRule } from './settings.ts';

export interface PageJobRun {
  target: TargetKind;
  host: PageHost;
  facts: BrowserFacts;
  /** The page server (started on first use). */
  server(): Promise<PageServer>;
  /** The default thread rule of this kind of device, for the record (the key already holds the decided count). */
  threadRule: ThreadRule;
  timeoutMs: number;
  signal?: AbortSignal;
  onPhase?: (phase: JobPhase) => void;
  /** Where the job runs, for messages: `Chromium 156.0…`, `Chrome on 2B161JEGR04567`. */
  where: string;
  /** The device block a measurement starts from (default the job's): a phone adds its browser and route. */
  device?: DeviceInfo;
}

export async function runPageJob(job: Job, run: PageJobRun): Promise<JobResult> {
  const fail = (error: unknown) => failed(job, 'setup', error);
  let pageJob: PageJob;
  try {
    pageJob = await preparedPageJob(job, run);
  } catch (error) {
    return fail(error);
  }
  const result = await run.host.run(pageJob, hostOptions(run));
  return toJobResult(job, result, { threadsDefault: THREAD_RULES[run.threadRule], ...(run.device ? { device: run.device } : {}) });
}

/**
 * What every page job needs before the page: a runtime the browser can run
 * with the settings its key holds, and its files on the page server. Throws
 * why not (the caller's setup failure).
 */
export async function preparedPageJob(job: Job, run: PageJobRun): Promise<PageJob> {
  if (!isPageRuntime(job.runtime)) throw new Error(`the ${run.target} target has no runtime "${job.runtime}" (it has ${PAGE_RUNTIMES.join(', ')})`);
  const status = run.facts.statuses.find((candidate) => candidate.runtime === job.runtime);
  if (status && !status.available) throw new Error(`${job.runtime} is unavailable in ${run.where}: ${status.reason}`);
  const wasm = keyedWasmSettings(job);
  const problem = wasm && settingsProblem(job.runtime, wasm, run.facts.caps);
  if (problem) throw new Error(`${run.where}: ${problem}`);
  return preparePageJob((await run.server()).server, job, wasm ? { wasm } : {});
}

/** The host's options for one page of this run. */
export function hostOptions(run: PageJobRun): RunPageJobOptions {
  return { timeoutMs: run.timeoutMs, ...(run.signal ? { signal: run.signal } : {}), ...(run.onPhase ? { onPhase: run.onPhase } : {}) };
}
