/**
 * One WebDriver session (through Appium, a grid or a device farm) running the
 * browser target's benchmark page unchanged: navigate to the page, start a job
 * with `window.edgebench.start(job)`, poll `state`/`last` until the result is
 * there (docs/protocol.md). Polling, not one long executeAsync, so a job may
 * run for minutes, its phase is known when the browser dies, and the
 * session's command timeout never cuts a long loop short.
 */
import type { JobPhase } from '../../harness/record.ts';
import type { Logger } from '../../harness/log.ts';
import { PROTOCOL_VERSION, type EdgebenchPageApi, type PageCapabilities, type PageJob, type PageResult } from '../browser/protocol.ts';
import { endpointFromUrl, type Capabilities } from './capabilities.ts';

/** What the session says about its browser. */
export interface SessionBrowser {
  name: string;
  version: string;
}

export interface PageSession {
  readonly browser: SessionBrowser;
  /** False once the browser or the session went away; open a new one. */
  readonly alive: boolean;
  capabilities(): Promise<PageCapabilities>;
  /** Never rejects: a lost browser or a timeout is a failed PageResult. */
  run(job: PageJob, options: RunPageOptions): Promise<PageResult>;
  close(): Promise<void>;
}

export interface RunPageOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called when the page reports a new phase (for progress and tests). */
  onPhase?: (phase: JobPhase) => void;
  /** Poll interval, default 250 ms. */
  pollMs?: number;
}

export interface OpenPageSessionOptions {
  /** Appium server, grid or device farm URL. */
  url: string;
  capabilities: Capabilities;
  /** The benchmark page as the device reaches it (`http://127.0.0.1:<port>/index.html`). */
  pageUrl: string;
  log: Logger;
  /** Session creation may install helpers on a phone: default 3 minutes. */
  startTimeoutMs?: number;
}

type Window = { edgebench?: EdgebenchPageApi };
type Poll = { ready: boolean; protocol?: number; state: EdgebenchPageApi['state'] | null; last: PageResult | null } | null;

/** Messages of a session whose browser is gone for good. */
const SESSION_GONE = /invalid session id|session deleted|not reachable|disconnected|no such window|target window already closed|tab crashed|session not created|ECONNREFUSED|ECONNRESET|socket hang up|terminated|crash/i;

export async function openPageSession(options: OpenPageSessionOptions): Promise<PageSession> {
  const { remote } = await import('webdriverio');
  const endpoint = endpointFromUrl(options.url);
  const driver = await remote({
    ...endpoint,
    capabilities: options.capabilities as WebdriverIO.Capabilities,
    logLevel: 'silent',
    connectionRetryCount: 0,
    connectionRetryTimeout: options.startTimeoutMs ?? 180_000,
  });
  let alive = true;
  const caps = driver.capabilities as Record<string, unknown>;
  const browser: SessionBrowser = {
    name: String(caps.browserName ?? options.capabilities.browserName ?? 'browser'),
    version: String(caps.browserVersion ?? caps.version ?? 'unknown'),
  };

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
          const api = (window as unknown as Window).edgebench;
          if (!api) return null;
          return { ready: api.ready, protocol: api.protocol, state: api.state, last: api.last && api.last.id === jobId ? api.last : null };
        }, id) as Promise<Poll>,
    );

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

  return {
    browser,
    get alive() {
      return alive;
    },

    async capabilities() {
      await openPage(60_000);
      return call(() => driver.executeAsync((done: (caps: PageCapabilities) => void) => void (window as unknown as Window).edgebench!.capabilities().then(done)) as Promise<PageCapabilities>);
    },

    async run(job, run) {
      const startedAt = new Date().toISOString();
      let phase: JobPhase = 'setup';
      const failed = (error: unknown): PageResult => ({
        protocol: PROTOCOL_VERSION,
        id: job.id,
        ok: false,
        phase,
        error: { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) },
        startedAt,
        finishedAt: new Date().toISOString(),
      });
      try {
        // A fresh page per job: no memory or compiled kernels carried over from the previous one.
        await openPage(60_000);
        await call(() => driver.execute((pageJob: PageJob) => (window as unknown as Window).edgebench!.start(pageJob), job));
        const deadline = Date.now() + run.timeoutMs;
        for (;;) {
          if (run.signal?.aborted) throw new Error('interrupted');
          const state = await poll(job.id);
          if (state?.last) return state.last;
          const now = state?.state?.phase ?? null;
          if (now && now !== phase) {
            phase = now;
            run.onPhase?.(phase);
          }
          if (!state) throw new Error('the benchmark page went away mid-job (navigated or reloaded)');
          if (Date.now() > deadline) throw new Error(`job timed out after ${Math.round(run.timeoutMs / 1000)} s in phase ${phase}`);
          await sleep(run.pollMs ?? 250);
        }
      } catch (error) {
        const message = (error as Error)?.message ?? String(error);
        const gone = !alive || SESSION_GONE.test(message);
        if (gone) alive = false;
        return failed(gone ? new Error(`the browser went away during ${phase}: ${firstLine(message)}`) : error);
      }
    },

    async close() {
      alive = false;
      await driver.deleteSession().catch(() => {});
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
