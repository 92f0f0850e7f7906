/**
 * The browser target: every browser found, each a page host on a browser
 * launched here (Chromium-family and Playwright's browsers over CDP,
 * targets/page/playwright-host.ts; Firefox over WebDriver BiDi,
 * targets/page/bidi-host.ts; WebKitGTK over classic WebDriver, ./webkit.ts),
 * running the shared page-job flow (targets/page/job-flow.ts) on the page's
 * static server.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ResolvedConfig } from '../../harness/core/config.ts';
import type { RuntimeSize } from '../../harness/core/record.ts';
import { serializeError } from '../../harness/core/record.ts';
import type { DiscoveredDevice, Job, JobResult, JobSpec, KeyOptions, PairJob, PairJobResult, Target, TargetContext } from '../types.ts';
import { BidiHost, browserFacts, decideWasmSettings, PAGE_SCRIPT, pageBundleDir, openWebDriverHost, PAGE_PATH, pageKeyOptions, startPageServer, PlaywrightHost, readBrowserFacts, runPageJob, runPagePair, SessionHost, type BrowserFacts, type PageHook, type PageHost, type PageJobRun, type PageServer } from '../page/index.ts';
import { failed, jobKeyOptions } from '../result.ts';
import { isPageRuntime, PAGE_RUNTIMES } from '../page/app/protocol.ts';
import { RUNTIME_FORMATS } from '../page/runtimes.ts';
import { runtimeSizes as measureRuntimeSizes } from '../page/sizes.ts';
import { findBrowsers, type BrowserCandidate } from './browsers.ts';
import { cachedBrowserFacts } from './facts-cache.ts';
import { browserDevice } from './device.ts';
import { engineDefaults, everyVariantIn, XVFB_SOFTWARE } from './engine-defaults.ts';
import { firefoxBrowser } from './firefox.ts';
import { launchedBrowser } from './runner.ts';
import { browserSessionTimeouts, webkitHost } from './webkit.ts';
import { parseEndpoint, playwrightServer, remoteDevice, type RemoteEndpoint } from './remote.ts';

export { findBrowsers, type BrowserCandidate, type BrowserEngine } from './browsers.ts';
export { CHROMIUM_FLAGS, launchBrowser } from './launcher.ts';
export { launchedBrowser } from './runner.ts';
export { browserDevice, browserDeviceId } from './device.ts';

export interface BrowserTargetOptions {
  /** Runs on each fresh page before its job (tests crash or hang the page with it). */
  beforeJob?: PageHook;
  /**
   * Take a browser's facts from the last discovery while nothing that could
   * change them has (./facts-cache.ts), launching it for its first job
   * instead; default true. `bench devices` reads them anew.
   */
  cachedFacts?: boolean;
}

interface BrowserEntry {
  host: PageHost;
  facts: BrowserFacts;
  /** `Chromium 156.0…`, for messages. */
  name: string;
}

function unusable(id: string, name: string, reason: string, candidate?: BrowserCandidate): DiscoveredDevice {
  return {
    device: { id, kind: 'browser', name, ...(candidate ? { extra: { executable: candidate.executablePath } } : {}) },
    usable: false,
    reason,
    runtimes: PAGE_RUNTIMES.map((runtime) => ({ runtime, format: RUNTIME_FORMATS[runtime], available: false, reason })),
  };
}

/**
 * A browser launched here runs on this machine's cores: where its page
 * reports more (WebKitGTK says 4 on a 2-core machine), the threads are
 * decided from the real count, or a wasm job would run more threads than cores.
 */
function localCores(facts: BrowserFacts): BrowserFacts {
  const cores = availableParallelism();
  return facts.caps.hardwareConcurrency > cores ? { ...facts, caps: { ...facts.caps, hardwareConcurrency: cores } } : facts;
}

/** The page host for one found browser: the transport its engine speaks. */
function openHost(candidate: BrowserCandidate, origin: string, context: TargetContext, options: BrowserTargetOptions): PageHost {
  const { config, log } = context;
  const onRestart = (reason: string) => log.warn(`${candidate.name}: restarting the browser after: ${reason.split('\n')[0]}`);
  const launch = { headed: config.browser.headed, args: config.browser.args, timeoutMs: config.timeouts.browser.launchMs };
  if (candidate.engine === 'webkit' && candidate.driverPath) return webkitHost({ candidate, origin, timeouts: config.timeouts });
  if (candidate.engine === 'firefox' && candidate.source !== 'playwright') return new BidiHost({ source: firefoxBrowser(candidate, launch, config.timeouts.browser.closeMs), origin, onRestart });
  return new PlaywrightHost({
    source: launchedBrowser(candidate, launch, config.timeouts.browser.closeMs),
    origin,
    ...(options.beforeJob ? { beforeJob: options.beforeJob } : {}),
    onRestart,
  });
}

/** The page host of a browser on another machine: the Playwright transport on a server's browser, or WebDriver sessions. */
function remoteHost(endpoint: RemoteEndpoint, origin: string, context: TargetContext): PageHost {
  const { config, log } = context;
  if (endpoint.protocol === 'playwright') {
    return new PlaywrightHost({ source: playwrightServer(endpoint, config.timeouts.browser.launchMs), origin, onRestart: (reason) => log.warn(`browser at ${endpoint.where}: reconnecting after: ${reason.split('\n')[0]}`) });
  }
  const name = `${endpoint.browserName} at ${endpoint.where}`;
  return new SessionHost({
    name,
    open: () => openWebDriverHost({ endpoint: endpoint.endpoint, capabilities: { browserName: endpoint.browserName, ...config.browser.capabilities }, name, pageUrl: `${origin}${PAGE_PATH}`, timeouts: browserSessionTimeouts(config.timeouts) }),
  });
}

export function createBrowserTarget(options: BrowserTargetOptions = {}): Target {
  /** A found browser's facts: kept from an earlier run where still current, else read from its page (which launches it). */
  const discoverFacts = async (candidate: BrowserCandidate, host: PageHost, server: PageServer, context: TargetContext): Promise<BrowserFacts> => {
    const read = () => readBrowserFacts(host, context.config.timeouts.browser.pageReadyMs);
    if (options.cachedFacts === false) return read();
    const pageScript = join(server.mounts?.['/'] ?? pageBundleDir(context.out), PAGE_SCRIPT);
    const { facts, cached } = await cachedBrowserFacts({ candidate, headed: context.config.browser.headed, args: context.config.browser.args, pageScript }, read);
    if (cached) context.log.debug(`${candidate.name}: facts as read at ${facts.readAt} (executable, page and flags unchanged), not started to read them again`);
    return browserFacts(facts.browser, facts.caps);
  };

  let pageServer: PageServer | undefined;
  let starting: Promise<PageServer> | undefined;
  const browsers = new Map<string, BrowserEntry>();
  /** Launches begun by startEarly; prepare waits for them. */
  let launching: Promise<unknown>[] = [];

  const ensureServer = async (out: string): Promise<PageServer> => {
    if (pageServer) return pageServer;
    starting ??= startPageServer(out).then((started) => (pageServer = started));
    return starting;
  };

  /** How a job runs on one of this run's browsers. */
  const pageRun = (job: Job, entry: BrowserEntry, context: TargetContext): PageJobRun => ({
    target: 'browser',
    host: entry.host,
    facts: entry.facts,
    server: () => ensureServer(context.out),
    threadRule: 'every-core',
    timeoutMs: context.config.run.jobTimeoutMs,
    signal: context.signal,
    onPhase: (phase) => context.log.debug(`${job.device.id} ${job.artifact.id} ${job.runtime}: ${phase}`),
    where: entry.name,
  });

  return {
    kind: 'browser',

    async discover(context: TargetContext): Promise<DiscoveredDevice[]> {
      const { browsers: wanted, endpoints = [] } = context.config.browser;
      // `browsers: []` with endpoints: the remote browsers only.
      const search = wanted?.length === 0 && endpoints.length > 0 ? { found: [], missing: [] } : await findBrowsers({ ...(wanted ? { wanted } : {}) });
      const devices: DiscoveredDevice[] = search.missing.map((missing) => unusable(`${missing.name}-missing`, missing.name, missing.reason));
      if (search.found.length === 0 && search.missing.length === 0 && endpoints.length === 0) {
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
      // Each engine's facts read side by side (a launch and a page load each where none are kept: mostly waiting), listed in the search's order.
      const found = await Promise.all(
        search.found.map(async (candidate): Promise<DiscoveredDevice> => {
          const host = openHost(candidate, server.server.origin, context, options);
          try {
            const facts = localCores(await discoverFacts(candidate, host, server, context));
            const device = browserDevice(candidate, facts.browser.version, facts.caps, { headless: !context.config.browser.headed && candidate.engine !== 'webkit' });
            browsers.set(device.id, { host, facts, name: device.name });
            return { device, usable: true, runtimes: engineDefaults(candidate.engine, facts.statuses, { everyVariant: everyVariantIn(context.config.models), ...(candidate.engine === 'webkit' && !process.env.DISPLAY ? { software: XVFB_SOFTWARE } : {}) }) };
          } catch (error) {
            await host.close();
            const message = (error as Error).message.split('\n')[0] ?? String(error);
            return unusable(`${candidate.name}-unavailable`, candidate.name, message, candidate);
          }
        }),
      );
      devices.push(...found);
      for (const url of endpoints) {
        const endpoint = parseEndpoint(url);
        const host = remoteHost(endpoint, server.server.origin, context);
        try {
          const facts = await readBrowserFacts(host, context.config.timeouts.browser.pageReadyMs);
          const device = remoteDevice(endpoint, facts.browser, facts.caps);
          browsers.set(device.id, { host, facts, name: device.name });
          devices.push({ device, usable: true, runtimes: facts.statuses });
        } catch (error) {
          await host.close();
          const message = (error as Error).message.split('\n')[0] ?? String(error);
          devices.push(unusable(`remote-${endpoint.where.replace(/[^A-Za-z0-9.-]+/g, '-')}-unavailable`, `browser at ${endpoint.where}`, message));
        }
      }
      return devices;
    },

    /**
     * Each browser launched at once, side by side, instead of at its first
     * job: with its facts kept from an earlier discovery nothing launched it
     * yet, and its launch (a second or more per engine on 2 cores, Firefox's
     * the longest) was paid in the middle of the timed jobs, one engine after
     * another. Every job still gets a fresh page (a new context: cold caches).
     */
    async startEarly(_context: TargetContext, devices: DiscoveredDevice[]): Promise<void> {
      const begun: Promise<unknown>[] = [];
      for (const found of devices) {
        const entry = browsers.get(found.device.id);
        // A launch that fails is tried again, and reported, by the browser's first job (the host forgets a failed open).
        if (entry) begun.push(entry.host.browser().catch(() => undefined));
      }
      launching.push(...begun);
      await Promise.all(begun);
    },

    async prepare(context: TargetContext): Promise<void> {
      await ensureServer(context.out);
      // Nothing startEarly began may still be launching beside a timed job.
      await Promise.all(launching);
      launching = [];
    },

    async runtimeSizes(runtimes: string[]): Promise<RuntimeSize[]> {
      return measureRuntimeSizes({ runtimes: runtimes.filter(isPageRuntime) });
    },

    /** The threads and SIMD a wasm runtime runs with in this browser (its capabilities are read at discovery): decided here, once. */
    keyOptions(job: JobSpec, runConfig: ResolvedConfig): KeyOptions {
      const entry = browsers.get(job.device.id);
      if (!entry) return jobKeyOptions(job);
      return pageKeyOptions(job, decideWasmSettings(job, { configThreads: runConfig.run.threads, rule: 'every-core' }, entry.facts.caps));
    },

    async run(job: Job, context: TargetContext): Promise<JobResult> {
      const entry = browsers.get(job.device.id);
      if (!entry) return failed(job, 'setup', new Error(`browser ${job.device.id} was not discovered in this run`));
      const result = await runPageJob(job, pageRun(job, entry, context));
      if (!result.ok) context.log.debug(`${job.device.id} ${job.artifact.id} ${job.runtime}: ${result.failure.error.message}`);
      return result;
    },

    /** A and B in each fresh page, alternated per iteration; the pages in turn (targets/page/pair-flow.ts). */
    async runPair(pair: PairJob, context: TargetContext): Promise<PairJobResult> {
      const entry = browsers.get(pair.b.device.id);
      if (!entry) return { ok: false, side: 'both', phase: 'setup', error: serializeError(new Error(`browser ${pair.b.device.id} was not discovered in this run`)) };
      return runPagePair(pair, pageRun(pair.b, entry, context));
    },

    async dispose(): Promise<void> {
      await Promise.all(launching);
      launching = [];
      const runners = [...browsers.values()].map((entry) => entry.host.close());
      browsers.clear();
      await Promise.allSettled(runners);
      await starting?.catch(() => {});
      await pageServer?.close();
      pageServer = undefined;
      starting = undefined;
    },
  };
}
