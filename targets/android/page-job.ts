/**
 * A page-runtime job on a phone (`tfjs-wasm`, `litert-wasm` …): the shared
 * page-job flow (targets/page/job-flow.ts) on the lane's browser, whichever
 * route reached it (Appium or CDP), with the phone's thread rule and, in the
 * device block, the phone's browser, GPU and route.
 */
import type { ResolvedConfig } from '../../harness/core/config.ts';
import type { DeviceInfo, JobPhase } from '../../harness/core/record.ts';
import { decideWasmSettings, pageKeyOptions, type WasmFeatures } from '../page/settings.ts';
import { failed } from '../result.ts';
import { serializeError } from '../../harness/core/record.ts';
import type { PageJobRun } from '../page/job-flow.ts';
import type { Job, JobResult, JobSpec, KeyOptions, PairJob, PairJobResult, TargetContext } from '../types.ts';
import type { JobPart, PhoneLane } from './lane.ts';
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
 * SIMD). A browser without them fails the job in setup saying so
 * (targets/page/settings.ts settingsProblem) rather than run other settings under this key.
 */
const PHONE_BROWSER_ASSUMED: WasmFeatures['wasm'] = { supported: true, threads: true, simd: true, relaxedSimd: true };

/** A page job's key options on a phone: the phone's thread rule on the cores adb counted (4 when it could not), and PHONE_BROWSER_ASSUMED. */
export function phonePageKeyOptions(job: JobSpec, config: ResolvedConfig): KeyOptions {
  const wasm = decideWasmSettings(job, { configThreads: config.run.threads, rule: 'phone' }, { hardwareConcurrency: job.device.cores ?? 4, wasm: PHONE_BROWSER_ASSUMED });
  return pageKeyOptions(job, wasm);
}

/** The phone's device block with the browser the job ran in and the route that reached it. */
async function phoneDevice(job: Job, browser: PhoneBrowser): Promise<DeviceInfo> {
  const { browserBlock } = await import('../page/facts.ts');
  const { caps } = browser.facts;
  return { ...job.device, ...browserBlock(browser.facts.browser, caps), extra: { ...job.device.extra, driver: browser.route, crossOriginIsolated: caps.crossOriginIsolated } };
}

/** How a page job runs on this lane's browser. */
async function phonePageRun(lane: PhoneLane, job: Job, browser: PhoneBrowser, context: TargetContext, options: PageJobOptions): Promise<PageJobRun> {
  return {
    target: 'android',
    host: browser.host,
    facts: browser.facts,
    server: () => options.servers.page(context.out),
    threadRule: 'phone',
    timeoutMs: context.config.run.jobTimeoutMs,
    signal: context.signal,
    onPhase: (phase) => {
      context.log.debug(`${lane.serial} ${job.artifact.id} ${job.runtime}: ${phase}`);
      lane.notePhase(phase);
      options.onPhase?.(lane.serial, phase);
    },
    where: `${browser.facts.browser.name} on ${lane.serial}`,
    device: await phoneDevice(job, browser),
  };
}

export function pageJobPart(options: PageJobOptions): JobPart {
  return async (lane, job, context): Promise<JobResult> => {
    const { runPageJob } = await import('../page/job-flow.ts');
    let browser: PhoneBrowser;
    try {
      browser = await lane.pageBrowser(context);
    } catch (error) {
      return failed(job, 'setup', error);
    }
    return runPageJob(job, await phonePageRun(lane, job, browser, context, options));
  };
}

/** An A/B job on the phone's page route: the same pair flow as a desktop browser's (targets/page/pair-flow.ts), on this lane's browser. */
export async function runPhonePagePair(lane: PhoneLane, pair: PairJob, context: TargetContext, options: PageJobOptions): Promise<PairJobResult> {
  const { runPagePair } = await import('../page/pair-flow.ts');
  let browser: PhoneBrowser;
  try {
    browser = await lane.pageBrowser(context);
  } catch (error) {
    return { ok: false, side: 'both', phase: 'setup', error: serializeError(error) };
  }
  return runPagePair(pair, await phonePageRun(lane, pair.b, browser, context, options));
}
