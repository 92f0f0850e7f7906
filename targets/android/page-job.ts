/**
 * A page-runtime job on a phone (`tfjs-wasm`, `litert-wasm` …): the shared
 * page-job flow (targets/page/job-flow.ts) on the lane's browser, whichever
 * route reached it (Appium or CDP), with the phone's thread rule and, in the
 * device block, the phone's browser, GPU and route.
 */
import type { DeviceInfo, JobPhase } from '../../harness/core/record.ts';
import type { Job, JobResult } from '../types.ts';
import { failedOnPhone, type JobPart } from './lane.ts';
import type { PhoneBrowser } from './phone-browser.ts';
import type { SharedServers } from './servers.ts';

export interface PageJobOptions {
  servers: SharedServers;
  /** Called when a job on a phone enters a phase (tests kill the browser with it). */
  onPhase?: (serial: string, phase: JobPhase) => void;
}

/** The phone's device block with the browser the job ran in and the route that reached it. */
async function phoneDevice(job: Job, browser: PhoneBrowser): Promise<DeviceInfo> {
  const { browserBlock } = await import('../page/facts.ts');
  const { caps } = browser.facts;
  return { ...job.device, ...browserBlock(browser.facts.browser, caps), extra: { ...job.device.extra, driver: browser.route, crossOriginIsolated: caps.crossOriginIsolated } };
}

export function pageJobPart(options: PageJobOptions): JobPart {
  return async (lane, job, context): Promise<JobResult> => {
    const { runPageJob } = await import('../page/job-flow.ts');
    let browser: PhoneBrowser;
    try {
      browser = await lane.pageBrowser(context);
    } catch (error) {
      return failedOnPhone(job, { ...job.runtimeOptions }, 'setup', error);
    }
    return runPageJob(job, {
      target: 'android',
      host: browser.host,
      facts: browser.facts,
      server: () => options.servers.page(context.out),
      threads: { config: context.config.run.threads, rule: 'phone' },
      timeoutMs: context.config.run.jobTimeoutMs,
      signal: context.signal,
      onPhase: (phase) => {
        context.log.debug(`${lane.serial} ${job.artifact.id} ${job.runtime}: ${phase}`);
        options.onPhase?.(lane.serial, phase);
      },
      where: `${browser.facts.browser.name} on ${lane.serial}`,
      device: await phoneDevice(job, browser),
    });
  };
}
