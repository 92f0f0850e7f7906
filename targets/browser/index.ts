/**
 * The browser target: every browser found, driven by Playwright through the
 * shared benchmark page (targets/page) on its static server.
 */
import type { ResolvedConfig } from '../../harness/core/config.ts';
import type { RuntimeSize } from '../../harness/core/record.ts';
import type { DiscoveredDevice, Job, JobResult, JobSpec, KeyOptions, RuntimeStatus, Target, TargetContext } from '../types.ts';
import { packageVersion } from '../page/assets.ts';
import { startPageServer, preparePageJob, type PageServer } from '../page/index.ts';
import { expectedKeyOptions, requestedThreads, toJobResult } from '../page/mapping.ts';
import { failed, jobKeyOptions } from '../result.ts';
import { isPageRuntime, PAGE_RUNTIMES, type PageCapabilities, type PageJob } from '../page/app/protocol.ts';
import { RUNTIME_FORMATS, runtimeStatuses } from '../page/runtimes.ts';
import { runtimeSizes as measureRuntimeSizes } from '../page/sizes.ts';
import { findBrowsers, type BrowserCandidate } from './browsers.ts';
import { browserDevice } from './device.ts';
import { BrowserRunner, type PageHook } from './runner.ts';

export { findBrowsers, type BrowserCandidate, type BrowserEngine } from './browsers.ts';
export { CHROMIUM_FLAGS, launchBrowser } from './launcher.ts';
export { BrowserRunner, type PageHook } from './runner.ts';
export { browserDevice, browserDeviceId } from './device.ts';

export interface BrowserTargetOptions {
  /** Runs on each fresh page before its job (tests crash or hang the page with it). */
  beforeJob?: PageHook;
}

interface BrowserEntry {
  runner: BrowserRunner;
  caps: PageCapabilities;
  statuses: RuntimeStatus[];
}

function unusable(id: string, name: string, reason: string, candidate?: BrowserCandidate): DiscoveredDevice {
  return {
    device: { id, kind: 'browser', name, ...(candidate ? { extra: { executable: candidate.executablePath } } : {}) },
    usable: false,
    reason,
    runtimes: PAGE_RUNTIMES.map((runtime) => ({ runtime, format: RUNTIME_FORMATS[runtime], available: false, reason })),
  };
}

export function createBrowserTarget(options: BrowserTargetOptions = {}): Target {
  let pageServer: PageServer | undefined;
  let starting: Promise<PageServer> | undefined;
  const browsers = new Map<string, BrowserEntry>();
  let config: ResolvedConfig | undefined;

  const ensureServer = async (out: string): Promise<PageServer> => {
    if (pageServer) return pageServer;
    starting ??= startPageServer(out).then((started) => (pageServer = started));
    return starting;
  };

  return {
    kind: 'browser',

    async discover(context: TargetContext): Promise<DiscoveredDevice[]> {
      config = context.config;
      const search = await findBrowsers({ ...(context.config.browser.browsers ? { wanted: context.config.browser.browsers } : {}) });
      const devices: DiscoveredDevice[] = search.missing.map((missing) => unusable(`${missing.name}-missing`, missing.name, missing.reason));
      if (search.found.length === 0 && search.missing.length === 0) {
        devices.push(unusable('browser-missing', 'browser', 'no browser found: install Chromium (apt-get install chromium) or Playwright browsers (npx playwright install chromium), or name one with --browser /path/to/chrome'));
        return devices;
      }
      let server: PageServer;
      try {
        server = await ensureServer(context.out);
      } catch (error) {
        const reason = `cannot build or serve the benchmark page: ${(error as Error).message}`;
        return [...devices, ...search.found.map((candidate) => unusable(`${candidate.name}-unavailable`, candidate.name, reason, candidate))];
      }
      for (const candidate of search.found) {
        const runner = new BrowserRunner({
          candidate,
          origin: server.server.origin,
          launch: { headed: context.config.browser.headed, args: context.config.browser.args, timeoutMs: context.config.timeouts.browser.launchMs },
          closeTimeoutMs: context.config.timeouts.browser.closeMs,
          ...(options.beforeJob ? { beforeJob: options.beforeJob } : {}),
          onEvent: (event) => context.log.debug(`${candidate.name}: ${event.id} ${event.phase}`),
          onRestart: (reason) => context.log.warn(`${candidate.name}: restarting the browser after: ${reason.split('\n')[0]}`),
        });
        try {
          const version = await runner.browserVersion();
          const caps = await runner.capabilities(context.config.timeouts.browser.pageReadyMs);
          const device = browserDevice(candidate, version, caps, { headless: !context.config.browser.headed });
          const statuses = runtimeStatuses(caps, { tfjs: packageVersion('@tensorflow/tfjs-core'), litert: packageVersion('@litertjs/core') });
          browsers.set(device.id, { runner, caps, statuses });
          devices.push({ device, usable: true, runtimes: statuses });
        } catch (error) {
          await runner.close();
          const message = (error as Error).message.split('\n')[0] ?? String(error);
          devices.push(unusable(`${candidate.name}-unavailable`, candidate.name, message, candidate));
        }
      }
      return devices;
    },

    async prepare(context: TargetContext): Promise<void> {
      config = context.config;
      await ensureServer(context.out);
    },

    async runtimeSizes(runtimes: string[]): Promise<RuntimeSize[]> {
      return measureRuntimeSizes({ runtimes: runtimes.filter(isPageRuntime) });
    },

    /** The threads and SIMD a wasm runtime will really use in this browser (its capabilities are read at discovery). */
    keyOptions(job: JobSpec, runConfig: ResolvedConfig): KeyOptions {
      const entry = browsers.get(job.device.id);
      if (!entry) return jobKeyOptions(job);
      return expectedKeyOptions(job, requestedThreads(job, runConfig.run.threads, entry.caps), entry.caps);
    },

    async run(job: Job, context: TargetContext): Promise<JobResult> {
      const entry = browsers.get(job.device.id);
      if (!entry) return failed(job, 'setup', { name: 'Error', message: `browser ${job.device.id} was not discovered in this run` });
      if (!isPageRuntime(job.runtime)) return failed(job, 'setup', { name: 'Error', message: `the browser target has no runtime "${job.runtime}" (it has ${PAGE_RUNTIMES.join(', ')})` });
      const status = entry.statuses.find((candidate) => candidate.runtime === job.runtime);
      const threads = requestedThreads(job, (config ?? context.config).run.threads, entry.caps);
      if (status && !status.available) return failed(job, 'setup', { name: 'Error', message: `${job.runtime} is unavailable in ${job.device.name}: ${status.reason}` });
      let pageJob: PageJob;
      try {
        const server = await ensureServer(context.out);
        pageJob = await preparePageJob(server.server, job, { threads });
      } catch (error) {
        return failed(job, 'setup', error);
      }
      const result = await entry.runner.run(pageJob, { timeoutMs: context.config.run.jobTimeoutMs, signal: context.signal });
      if (!result.ok) context.log.debug(`${job.device.id} ${job.artifact.id} ${job.runtime}: ${result.error.message}`);
      return toJobResult(job, result);
    },

    async dispose(): Promise<void> {
      const runners = [...browsers.values()].map((entry) => entry.runner.close());
      browsers.clear();
      await Promise.allSettled(runners);
      await starting?.catch(() => {});
      await pageServer?.close();
      pageServer = undefined;
      starting = undefined;
    },
  };
}
