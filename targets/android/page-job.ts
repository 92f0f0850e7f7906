/**
 * A page-runtime job on a phone (`tfjs-wasm`, `litert-wasm` …): the shared
 * benchmark page (targets/page) in the phone's browser, whichever route
 * reached it (the lane's PhoneBrowser: Appium or CDP), read back into the
 * same Measurement as on a desktop browser, with the phone's browser, GPU
 * and route in the device block.
 */
import type { ResolvedConfig } from '../../harness/core/config.ts';
import type { JobPhase } from '../../harness/core/record.ts';
import { expectedKeyOptions, requestedThreads, toJobResult } from '../page/mapping.ts';
import { failed } from '../result.ts';
import type { JobResult, JobSpec, KeyOptions } from '../types.ts';
import type { JobPart } from './lane.ts';
import type { PhoneBrowser } from './phone-browser.ts';
import type { SharedServers } from './servers.ts';

export interface PageJobOptions {
  servers: SharedServers;
  /** Called when a job on a phone enters a phase (tests kill the browser with it). */
  onPhase?: (serial: string, phase: JobPhase) => void;
}

/**
 * What the key of a page job on a phone assumes of the phone's browser. The
 * browser opens with the phone's first page job, after the plan has keyed
 * every job (and a job can fail before it opens), so the key cannot wait for
 * its capabilities: it assumes what Chrome on Android has had since 2023
 * (Chrome 114: wasm threads on the cross-origin-isolated page, SIMD, relaxed
 * SIMD). What the page really ran with goes in the measurement's device extra.
 */
const PHONE_BROWSER_ASSUMED = { wasm: { supported: true, threads: true, simd: true, relaxedSimd: true } };

/** Threads a page job on a phone asks for: its own option, then `run.threads`, then one per core of the phone (4 when adb could not count them). */
export function phonePageThreads(job: JobSpec, config: ResolvedConfig): number {
  return requestedThreads(job, config.run.threads, { hardwareConcurrency: job.device.cores ?? 4 });
}

/** A page job's key options on a phone (see PHONE_BROWSER_ASSUMED). */
export function phonePageKeyOptions(job: JobSpec, config: ResolvedConfig): KeyOptions {
  return expectedKeyOptions(job, phonePageThreads(job, config), PHONE_BROWSER_ASSUMED);
}

export function pageJobPart(options: PageJobOptions): JobPart {
  return async (lane, job, context): Promise<JobResult> => {
    const page = await import('../page/index.ts');
    let browser: PhoneBrowser;
    try {
      browser = await lane.pageBrowser(context);
    } catch (error) {
      return failed(job, 'setup', error);
    }
    const { caps } = browser;
    const threads = phonePageThreads(job, context.config);
    const status = browser.statuses.find((candidate) => candidate.runtime === job.runtime);
    if (status && !status.available) return failed(job, 'setup', new Error(`${job.runtime} is unavailable in ${browser.name} on ${lane.serial}: ${status.reason}`));
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
      result = toJobResult(job, pageResult);
    } catch (error) {
      return failed(job, 'setup', error);
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
