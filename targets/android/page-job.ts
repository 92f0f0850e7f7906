/**
 * A page-runtime job on a phone (`tfjs-wasm`, `litert-wasm` …): the shared
 * benchmark page (targets/page) in the phone's browser, whichever route
 * reached it (the lane's PhoneBrowser: Appium or CDP), read back into the
 * same Measurement as on a desktop browser, with the phone's browser, GPU
 * and route in the device block.
 */
import type { JobPhase } from '../../harness/core/record.ts';
import { expectedKeyOptions, requestedThreads, toJobResult } from '../page/mapping.ts';
import type { JobResult } from '../types.ts';
import { failedOnPhone, type JobPart } from './lane.ts';
import type { PhoneBrowser } from './phone-browser.ts';
import type { SharedServers } from './servers.ts';

export interface PageJobOptions {
  servers: SharedServers;
  /** Called when a job on a phone enters a phase (tests kill the browser with it). */
  onPhase?: (serial: string, phase: JobPhase) => void;
}

export function pageJobPart(options: PageJobOptions): JobPart {
  return async (lane, job, context): Promise<JobResult> => {
    const page = await import('../page/index.ts');
    let browser: PhoneBrowser;
    try {
      browser = await lane.pageBrowser(context);
    } catch (error) {
      return failedOnPhone(job, { ...job.runtimeOptions }, 'setup', error);
    }
    const { caps } = browser;
    const threads = requestedThreads(job, context.config.run.threads, caps);
    const expected = expectedKeyOptions(job, threads, caps);
    const status = browser.statuses.find((candidate) => candidate.runtime === job.runtime);
    if (status && !status.available) return failedOnPhone(job, expected, 'setup', new Error(`${job.runtime} is unavailable in ${browser.name} on ${lane.serial}: ${status.reason}`));
    let result: JobResult;
    try {
      const server = await options.servers.page(context.out);
      const pageJob = await page.preparePageJob(server.server, job, { threads });
      const pageResult = await browser.run(pageJob, {
        timeoutMs: context.config.run.jobTimeoutMs,
        signal: context.signal,
        onPhase: (phase) => {
          context.log.debug(`${lane.serial} ${job.artifact.id} ${job.runtime}: ${phase}`);
          options.onPhase?.(lane.serial, phase);
        },
      });
      result = toJobResult(job, 'android', pageResult, expected);
    } catch (error) {
      return failedOnPhone(job, expected, 'setup', error);
    }
    if (!result.ok) return result;
    const measurement = result.measurement;
    measurement.device = {
      ...measurement.device,
      browser: { name: browser.name, version: browser.version, userAgent: caps.userAgent },
      gpu: {
        ...(caps.webgl.vendor ? { vendor: caps.webgl.vendor } : {}),
        ...(caps.webgl.renderer ? { renderer: caps.webgl.renderer } : {}),
        ...(caps.webgpu.adapter ? { adapter: [caps.webgpu.vendor, caps.webgpu.architecture, caps.webgpu.device].filter(Boolean).join(' ') } : {}),
      },
      extra: { ...measurement.device.extra, driver: browser.route, crossOriginIsolated: caps.crossOriginIsolated },
    };
    return result;
  };
}
