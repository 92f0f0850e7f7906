/**
 * A page-runtime job on a phone (`tfjs-wasm`, `litert-wasm` …): the shared
 * benchmark page (targets/page) in the phone's browser, through the lane's
 * WebDriver session, read back into the same Measurement as on a desktop
 * browser, with the phone's browser and GPU in the device block.
 */
import type { JobPhase } from '../../harness/core/record.ts';
import { expectedKeyOptions, requestedThreads, toJobResult } from '../page/mapping.ts';
import type { JobResult } from '../types.ts';
import { AdbCommandError, DeviceDisconnectedError, type Adb } from './adb.ts';
import { browserPackage, sessionCapabilities } from './capabilities.ts';
import { failedOnPhone, type JobPart, type PhonePage } from './lane.ts';
import type { SharedServers } from './servers.ts';

export interface PageJobOptions {
  adb(): Adb;
  servers: SharedServers;
  /** Called when a job on a phone enters a phase (tests kill the browser with it). */
  onPhase?: (serial: string, phase: JobPhase) => void;
}

/** Whether the browser app still runs on the phone: pidof exits 1 when it does not; undefined when adb cannot tell. */
async function browserRunning(adb: Adb, serial: string, pkg: string, timeoutMs: number): Promise<boolean | undefined> {
  try {
    return (await adb.shell(serial, `pidof ${pkg}`, { timeoutMs })).trim().length > 0;
  } catch (error) {
    if (error instanceof DeviceDisconnectedError) return false;
    if (error instanceof AdbCommandError && error.exitCode === 1 && !error.stdout.trim()) return false;
    return undefined;
  }
}

export function pageJobPart(options: PageJobOptions): JobPart {
  return async (lane, job, context): Promise<JobResult> => {
    const page = await import('../page/index.ts');
    let phone: PhonePage;
    try {
      phone = await lane.pageSession(context);
    } catch (error) {
      return failedOnPhone(job, { ...job.runtimeOptions }, 'setup', error);
    }
    const { session, caps } = phone;
    const threads = requestedThreads(job, context.config.run.threads, caps);
    const expected = expectedKeyOptions(job, threads, caps);
    const status = phone.statuses.find((candidate) => candidate.runtime === job.runtime);
    if (status && !status.available) return failedOnPhone(job, expected, 'setup', new Error(`${job.runtime} is unavailable in ${session.browser.name} on ${lane.serial}: ${status.reason}`));
    let result: JobResult;
    try {
      const server = await options.servers.page(context.out);
      const pageJob = await page.preparePageJob(server.server, job, { threads });
      const chrome = browserPackage(sessionCapabilities(lane.serial, context.config.android.capabilities));
      const pageResult = await session.run(pageJob, {
        timeoutMs: context.config.run.jobTimeoutMs,
        signal: context.signal,
        ...(lane.remote ? {} : { isAlive: () => browserRunning(options.adb(), lane.serial, chrome, context.config.timeouts.android.browserAliveMs) }),
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
      browser: { name: session.browser.name, version: session.browser.version, userAgent: caps.userAgent },
      gpu: {
        ...(caps.webgl.vendor ? { vendor: caps.webgl.vendor } : {}),
        ...(caps.webgl.renderer ? { renderer: caps.webgl.renderer } : {}),
        ...(caps.webgpu.adapter ? { adapter: [caps.webgpu.vendor, caps.webgpu.architecture, caps.webgpu.device].filter(Boolean).join(' ') } : {}),
      },
      extra: { ...measurement.device.extra, crossOriginIsolated: caps.crossOriginIsolated },
    };
    return result;
  };
}
