/**
 * The WebDriver transport of the page host (./page-host.ts): one webdriverio
 * session (through Appium, a grid or a device farm) running the benchmark
 * page unchanged: navigate to the page, start a job with
 * `window.edgebench.start(job)`, poll `state`/`last` until the result is
 * there (docs/protocol.md). Polling, not one long executeAsync, so a job may
 * run for minutes and the phase last seen is known when the browser dies.
 * A page in a tight measuring loop answers a poll only when the loop yields
 * to its event loop, so a poll may wait that long (timeouts allow for it).
 */
import type { JobPhase } from '../../harness/core/record.ts';
import { DEFAULT_TIMEOUTS, type Timeouts } from '../../harness/core/config.ts';
import { firstLine } from '../../harness/core/format.ts';
import { PROTOCOL_VERSION, type PageCapabilities, type PageJob } from './app/protocol.ts';
import { hostFailure, type HostBrowser, type PageHost } from './page-host.ts';

export type SessionTimeouts = Pick<Timeouts['android'], 'sessionStartMs' | 'pageLoadMs' | 'pageReadyMs' | 'pagePollMs' | 'devtoolsProbeMs' | 'sessionCloseMs'>;

/** Where the WebDriver server is (webdriverio's connection options; credentials stay in `user`/`key`). */
export interface WebDriverEndpoint {
  protocol: 'http' | 'https';
  hostname: string;
  port: number;
  path: string;
  user?: string;
  key?: string;
}

/** The endpoint of an http(s) WebDriver URL already parsed: IPv6 brackets off, the default port, credentials in the URL as user/key. */
export function webDriverEndpointOf(parsed: URL): WebDriverEndpoint {
  const protocol = parsed.protocol === 'https:' ? 'https' : 'http';
  return {
    protocol,
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : protocol === 'https' ? 443 : 80,
    path: parsed.pathname || '/',
    ...(parsed.username ? { user: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { key: decodeURIComponent(parsed.password) } : {}),
  };
}

export interface WebDriverHostOptions {
  /** Appium server, grid or device farm. */
  endpoint: WebDriverEndpoint;
  /** The session's capabilities (W3C, with vendor prefixes). */
  capabilities: Record<string, unknown>;
  /** For messages: `chrome on 2B161JEGR04567`. */
  name: string;
  /** The benchmark page as the browser reaches it (`http://127.0.0.1:<port>/index.html`). */
  pageUrl: string;
  /** Tells a busy page from a dead browser when the session's own DevTools endpoint cannot (a phone: adb). */
  isAlive?: AliveProbe;
  /** Poll interval, default 250 ms. */
  pollMs?: number;
  /**
   * Bounds (config `timeouts.android`): opening the session (it may install
   * helpers on a phone), loading the page, the page becoming ready, one poll,
   * one DevTools look, ending the session. Default: the config's defaults.
   * A poll waits `pagePollMs` for a page busy in a tight measuring loop (it
   * answers only when the loop yields) before counting as "still busy"; a
   * bounded wait is also what notices a dead browser: a poll left waiting on
   * a killed browser never returns.
   */
  timeouts?: SessionTimeouts;
}


/**
 * A poll that waited out the script timeout, or the HTTP client's wait for
 * the driver's answer (UND_ERR_HEADERS_TIMEOUT or webdriverio's "Request timed
 * out", after connectionRetryTimeout:
 * WebKitWebDriver answers a poll only once the page's JavaScript thread runs
 * it, and loading MobileNetV2 on tfjs-wasm held WebKit's past a minute on a
 * loaded host): the page is busy, not gone. The job's own deadline and the
 * liveness probe still end a job whose browser hangs or dies.
 */
const SCRIPT_TIMEOUT = /script timeout|timed out receiving message from renderer|UND_ERR_HEADERS_TIMEOUT|Request timed out! Consider increasing the "connectionRetryTimeout"/i;

/** True when a failed poll means the page is busy rather than gone (exported for tests). */
export function pollWaitedOut(message: string): boolean {
  return SCRIPT_TIMEOUT.test(message);
}

/** Messages of a session whose browser is gone for good. */
const SESSION_GONE = /invalid session id|session deleted|not reachable|disconnected|no such window|target window already closed|tab crashed|session not created|ECONNREFUSED|ECONNRESET|socket hang up|terminated|crash/i;

/**
 * Is the browser process still there? Asked while a poll waits on a busy
 * page. `true`/`false` when it can tell, `undefined` when it cannot.
 */
export type AliveProbe = () => Promise<boolean | undefined>;

/**
 * The browser-level DevTools endpoint chromedriver reports
 * (`goog:chromeOptions.debuggerAddress`): it answers while a page's main
 * thread is busy and refuses once the browser is gone. Undefined when the
 * session does not report one or it is not reachable from here (a remote grid).
 */
export function devtoolsProbe(capabilities: Record<string, unknown>, timeoutMs = DEFAULT_TIMEOUTS.android.devtoolsProbeMs): AliveProbe | undefined {
  const address = (capabilities['goog:chromeOptions'] as { debuggerAddress?: unknown } | undefined)?.debuggerAddress;
  if (typeof address !== 'string' || !/^(localhost|127\.0\.0\.1|\[::1\]):\d+$/.test(address)) return undefined;
  return async () => {
    try {
      const response = await fetch(`http://${address}/json/version`, { signal: AbortSignal.timeout(timeoutMs) });
      return response.ok;
    } catch (error) {
      // Refused: nothing listens there any more. A timeout says nothing.
      return /ECONNREFUSED|ECONNRESET/.test(String((error as { cause?: unknown }).cause ?? error)) ? false : undefined;
    }
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(onTimeout()), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}

/** Opens a WebDriver session; throws when the server refuses it. */
export async function openWebDriverHost(options: WebDriverHostOptions): Promise<PageHost> {
  const { remote } = await import('webdriverio');
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS.android;
  const driver = await remote({
    ...options.endpoint,
    // Classic WebDriver only: webdriverio 9 asks for a BiDi socket by default, Appium 3 proxies it, and
    // a browser dying under it crashes the whole Appium server (ws close with code 1006). Polling needs none of it.
    capabilities: { 'wdio:enforceWebDriverClassic': true, ...options.capabilities } as WebdriverIO.Capabilities,
    logLevel: 'silent',
    connectionRetryCount: 0,
    connectionRetryTimeout: timeouts.sessionStartMs,
  });
  const pollTimeoutMs = timeouts.pagePollMs;
  // Not every driver takes every timeout; a poll is bounded on this side as well.
  await driver.setTimeout({ script: pollTimeoutMs, pageLoad: timeouts.pageLoadMs }).catch(() => {});
  let alive = true;
  const caps = driver.capabilities as Record<string, unknown>;
  const browser: HostBrowser = {
    name: String(caps.browserName ?? options.capabilities.browserName ?? 'browser'),
    version: String(caps.browserVersion ?? caps.version ?? 'unknown'),
  };
  const sessionProbe = devtoolsProbe(caps, timeouts.devtoolsProbeMs);

  /** Runs a WebDriver call; a lost session marks this one dead and rethrows. */
  const call = async <T>(what: () => Promise<T>): Promise<T> => {
    try {
      return await what();
    } catch (error) {
      if (SESSION_GONE.test((error as Error).message)) alive = false;
      throw error;
    }
  };

  const poll = (id: string | null) =>
    call(
      () =>
        driver.execute((jobId: string | null) => {
          const api = window.edgebench;
          if (!api) return null;
          return { ready: api.ready, protocol: api.protocol, state: api.state, last: api.last && api.last.id === jobId ? api.last : null };
        }, id),
    );
  type Poll = Awaited<ReturnType<typeof poll>>;

  const openPage = async (timeoutMs: number): Promise<void> => {
    await call(() => driver.url(options.pageUrl));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await poll(null);
      if (state?.ready) {
        if (state.protocol !== PROTOCOL_VERSION) throw new Error(`the page at ${options.pageUrl} speaks protocol ${state.protocol}, this harness ${PROTOCOL_VERSION}`);
        return;
      }
      if (Date.now() > deadline) throw new Error(`the benchmark page at ${options.pageUrl} did not become ready within ${Math.round(timeoutMs / 1000)} s (is adb reverse in place and the page server up?)`);
      await sleep(200);
    }
  };

  let closed = false;
  return {
    name: options.name,
    get alive() {
      return alive;
    },

    async browser() {
      return browser;
    },

    async capabilities(timeoutMs) {
      await openPage(timeoutMs);
      return call(() => driver.executeAsync((done: (caps: PageCapabilities) => void) => void window.edgebench!.capabilities().then(done)));
    },

    async run(job, run) {
      const startedAt = new Date().toISOString();
      let phase: JobPhase = 'setup';
      const isAlive = async () => (await sessionProbe?.()) ?? (await options.isAlive?.());
      try {
        // A fresh page per job: no memory or compiled kernels carried over from the previous one.
        await openPage(timeouts.pageReadyMs);
        await call(() => driver.execute((pageJob: PageJob) => window.edgebench!.start(pageJob), job));
        // Started: loading is the least it has reached, even if no poll gets through a busy loop.
        // Said at once: a page that goes straight into a tight measuring loop may answer no poll
        // until it ends, and the user (and a watchdog reading the log) should know the job is under way.
        phase = 'load';
        run.onPhase?.(phase);
        const deadline = Date.now() + run.timeoutMs;
        // One poll at a time: drivers queue a session's commands, so a second would wait behind the first.
        let pending: Promise<Poll | 'busy'> | undefined;
        for (;;) {
          if (run.signal?.aborted) throw Object.assign(new Error('interrupted'), { name: 'AbortError' });
          pending ??= poll(job.id).catch((error: unknown) => {
            if (pollWaitedOut((error as Error).message)) return 'busy' as const;
            throw error;
          });
          const state = await withTimeout<Poll | 'busy' | 'waiting'>(pending, pollTimeoutMs + 1_000, () => 'waiting');
          if (Date.now() > deadline) throw new Error(`job timed out after ${Math.round(run.timeoutMs / 1000)} s in phase ${phase}`);
          if (state === 'waiting') {
            // The page is busy measuring, or the browser died under a poll that will never return.
            if ((await isAlive()) === false) {
              alive = false;
              throw new Error('the browser process is gone');
            }
            continue;
          }
          pending = undefined;
          if (state === 'busy') continue;
          if (state?.last) return state.last;
          const now = state?.state?.phase ?? null;
          if (now && now !== phase) {
            phase = now;
            run.onPhase?.(phase);
          }
          if (!state) throw new Error('the benchmark page went away mid-job (navigated or reloaded)');
          await sleep(options.pollMs ?? 250);
        }
      } catch (error) {
        const message = (error as Error)?.message ?? String(error);
        const gone = !alive || SESSION_GONE.test(message);
        if (gone) alive = false;
        return hostFailure(job, phase, gone ? new Error(`the browser went away during ${phase} (the last phase the page reported): ${firstLine(message)}`) : error, startedAt);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      alive = false;
      // A poll stuck on a dead browser holds the session's command queue: do not wait on it for long.
      await withTimeout(driver.deleteSession().catch(() => {}), timeouts.sessionCloseMs, () => undefined);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

