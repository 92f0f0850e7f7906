/**
 * The CDP route: Chrome on the phone driven over its DevTools socket, with
 * nothing installed but adb. Per phone:
 *
 *   adb shell am start -a android.intent.action.VIEW -d <page> com.android.chrome
 *   (wait for @chrome_devtools_remote in /proc/net/unix)
 *   adb forward tcp:0 localabstract:chrome_devtools_remote   → a host port
 *   chromium.connectOverCDP(http://127.0.0.1:<port>)
 *
 * then the page jobs run exactly as on a desktop browser, through the shared
 * CDP page host (targets/page/playwright-host.ts): a fresh tab per job,
 * the result read back, and Chrome reopened the same way after a crash. The
 * page reaches the host through the lane's `adb reverse`. When Chrome does
 * not come up, one line says what to do on the phone.
 */
import type { Browser, Page } from 'playwright-core';
import type { Timeouts } from '../../harness/core/config.ts';
import { firstLine } from '../../harness/core/format.ts';
import { PAGE_TITLE } from '../page/app/protocol.ts';
import { readBrowserFacts } from '../page/facts.ts';
import { PlaywrightHost, type BrowserSource } from '../page/playwright-host.ts';
import type { Adb } from './adb.ts';
import { DEVTOOLS_SOCKET, devtoolsSocketOpen, firstRunInFront, firstRunProblem, phoneName, socketProblem, startChrome } from './chrome-on-phone.ts';
import { reachableBeyondLoopback } from './loopback-only.ts';
import { PhoneActionNeeded, type OpenPhoneBrowser, type PhoneBrowser } from './phone-browser.ts';

type CdpTimeouts = Pick<Timeouts['android'], 'devtoolsSocketMs' | 'cdpConnectMs' | 'pageReadyMs' | 'sessionCloseMs'>;

export interface PhoneChromeOptions {
  adb: Adb;
  serial: string;
  model?: string;
  /** The benchmark page as the phone reaches it. */
  pageUrl: string;
  timeouts: CdpTimeouts;
  /** The run's signal: an open under way stops waiting on the phone once it aborts (Ctrl-C during Chrome's start). */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `promise`, or `fallback` after `ms` (a page mid-navigation can hold an evaluate for long). */
function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]).finally(() => clearTimeout(timer));
}

/** How often the wait for the start page looks at what is in front of Chrome (one `dumpsys activity` a look). */
const FIRST_RUN_LOOK_MS = 1_000;

/** The error an open stopped by the run's signal ends with (the run takes an AbortError for a stop, not a failure). */
function stopped(serial: string): Error {
  return Object.assign(new Error(`opening Chrome on ${serial}: interrupted by the user`), { name: 'AbortError' });
}

/**
 * `promise`, or a rejection with `stopped()` as soon as `signal` aborts; what
 * `promise` still brings after that goes to `late` (a connection to close).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, stop: () => Error, late?: (value: T) => void): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(stop());
      promise.then((value) => late?.(value), () => {});
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** How long a first connect may take before it is taken for Playwright's hang below and tried again. */
const FIRST_CONNECT_MS = 15_000;

/**
 * `connectOverCDP`, tried a second time when the first does not finish in
 * FIRST_CONNECT_MS. The tab `am start` opened is still navigating when we
 * connect; when its first navigation commits between Playwright attaching and
 * enabling its events, Playwright waits for a commit it already missed, until
 * the timeout (microsoft/playwright#41093; seen here about 1 run in 3 on the
 * stand-in phone). A second connect finds the page loaded and returns at once.
 */
async function connectSettled(connect: (timeoutMs: number) => Promise<Browser>, timeoutMs: number): Promise<Browser> {
  const first = Math.min(FIRST_CONNECT_MS, timeoutMs);
  try {
    return await connect(first);
  } catch (error) {
    const rest = timeoutMs - first;
    if (rest <= 0 || !/Timeout/i.test(firstLine(error))) throw error;
    return await connect(rest);
  }
}

/** Chrome on one phone as a BrowserSource: started with adb, reached through `adb forward`, left running at the end. */
export class PhoneChrome implements BrowserSource {
  readonly name: string;
  /** The host port `adb forward` gave for the DevTools socket; kept across reconnects. */
  private port: number | undefined;
  /** The product in Chrome's `/json/version` (`Chrome`), once connected. */
  product = 'Chrome';
  private readonly origin: string;

  constructor(private readonly options: PhoneChromeOptions) {
    this.name = `Chrome on ${phoneName(options.serial, options.model)}`;
    this.origin = new URL(options.pageUrl).origin;
  }

  async open(): Promise<Browser> {
    const { adb, serial, pageUrl, timeouts, signal } = this.options;
    const stop = () => stopped(serial);
    if (signal?.aborted) throw stop();
    await startChrome(adb, serial, pageUrl);
    await this.waitForSocket();
    this.port ??= await this.forwardOnLoopback();
    const endpoint = `http://127.0.0.1:${this.port}`;
    const versionTimeout = AbortSignal.timeout(timeouts.cdpConnectMs);
    const version = await fetch(`${endpoint}/json/version`, { signal: signal ? AbortSignal.any([versionTimeout, signal]) : versionTimeout })
      .then((response) => response.json() as Promise<{ Browser?: string }>)
      .catch(() => ({}) as { Browser?: string });
    if (signal?.aborted) throw stop();
    if (version.Browser) this.product = version.Browser.split('/')[0] ?? this.product;
    await this.waitForStartTab(endpoint);
    const { chromium } = await import('playwright-core');
    let browser: Browser;
    try {
      // Stopped by the run's signal, a connect still under way is closed when it comes.
      browser = await untilAborted(
        connectSettled((timeout) => chromium.connectOverCDP(endpoint, { timeout }), timeouts.cdpConnectMs),
        signal,
        stop,
        (late) => void late.close().catch(() => {}),
      );
    } catch (error) {
      if (signal?.aborted) throw stop();
      throw new Error(`cannot connect to Chrome's DevTools on ${serial} through adb forward tcp:${this.port}: ${firstLine(error)}`, { cause: error });
    }
    try {
      await this.waitForStartPage(browser);
    } catch (error) {
      await within(browser.close(), timeouts.sessionCloseMs, undefined);
      throw error;
    }
    return browser;
  }

  /**
   * `adb forward` of Chrome's DevTools socket to a host port: reachable by
   * every local user while it exists (docs/security.md), never by other
   * machines. adb binds it to loopback unless its server was started with
   * `-a`; then it is removed at once and the run told how to fix it.
   */
  private async forwardOnLoopback(): Promise<number> {
    const { adb, serial } = this.options;
    const port = await adb.forward(serial, `localabstract:${DEVTOOLS_SOCKET}`);
    const exposed = await reachableBeyondLoopback(port);
    if (exposed.length === 0) return port;
    await adb.removeForward(serial, port);
    throw new PhoneActionNeeded(
      `adb's server listens on every network interface (started with -a): the phone's Chrome DevTools forwarded to port ${port} answered on ${exposed.join(', ')}, open to the network; it was removed. Restart adb on loopback (adb kill-server; adb start-server) and rerun`,
    );
  }

  /** Chrome opens its socket a moment after `am start`; no socket for long means DevTools is off, or the first-run screens hold it. */
  private async waitForSocket(): Promise<void> {
    const { adb, serial, timeouts } = this.options;
    const started = Date.now();
    while (!(await devtoolsSocketOpen(adb, serial))) {
      if (this.options.signal?.aborted) throw stopped(serial);
      if (Date.now() - started > timeouts.devtoolsSocketMs) {
        throw new PhoneActionNeeded((await firstRunInFront(adb, serial)) ? firstRunProblem(serial) : socketProblem(serial, timeouts.devtoolsSocketMs));
      }
      await sleep(250);
    }
  }

  /**
   * Until the tab `am start` opened on the benchmark page shows the page's
   * title in Chrome's tab list (`/json/list`, read without attaching): its
   * first navigation has committed. A connect that attaches to a tab still on
   * its initial empty document can miss that commit and wait for it until
   * FIRST_CONNECT_MS (playwright#41093, above). Bounded by FIRST_CONNECT_MS:
   * then the connect goes ahead as before; no such tab (Chrome's first-run
   * screens in front): at once.
   */
  private async waitForStartTab(endpoint: string): Promise<void> {
    const { pageUrl, serial, signal } = this.options;
    const deadline = Date.now() + FIRST_CONNECT_MS;
    while (Date.now() < deadline) {
      if (signal?.aborted) throw stopped(serial);
      const tabs = await fetch(`${endpoint}/json/list`, { signal: AbortSignal.timeout(2_000) })
        .then((response) => response.json() as Promise<Array<{ type?: string; url?: string; title?: string }>>)
        .catch(() => undefined);
      const loading = (tabs ?? []).filter((tab) => tab.type === 'page' && tab.url?.startsWith(pageUrl) && tab.title !== PAGE_TITLE);
      if (!tabs || loading.length === 0) return;
      await sleep(100);
    }
  }

  /**
   * The tab `am start` opened on the benchmark page, ready: proof that the
   * phone reaches the page server (adb reverse) and nothing stands in front
   * of Chrome's tabs. Chrome's first-run screens hold back every page until
   * someone dismisses them, so they are looked for while waiting (once a
   * second), not only when the wait (a minute by default) has run out.
   */
  private async waitForStartPage(browser: Browser): Promise<void> {
    const { adb, serial, pageUrl, timeouts } = this.options;
    const deadline = Date.now() + timeouts.pageReadyMs;
    const ready = (page: Page) => within(page.evaluate(() => Boolean(window.edgebench?.ready)).catch(() => false), 2_000, false);
    let lookedInFront = Date.now();
    for (;;) {
      if (this.options.signal?.aborted) throw stopped(serial);
      const pages = browser.contexts().flatMap((context) => context.pages()).filter((page) => page.url().startsWith(pageUrl));
      for (const page of pages) if (await ready(page)) return;
      if (Date.now() > deadline) break;
      if (Date.now() - lookedInFront >= FIRST_RUN_LOOK_MS) {
        lookedInFront = Date.now();
        if (await firstRunInFront(adb, serial)) throw new PhoneActionNeeded(firstRunProblem(serial));
      }
      await sleep(250);
    }
    if (await firstRunInFront(adb, serial)) throw new PhoneActionNeeded(firstRunProblem(serial));
    const port = new URL(pageUrl).port;
    throw new Error(`the benchmark page ${pageUrl} did not open in Chrome on ${serial} within ${Math.round(timeouts.pageReadyMs / 1000)} s: unlock the phone's screen, and check that \`adb -s ${serial} reverse --list\` shows tcp:${port}`);
  }

  /** A new tab in Chrome's own profile (a connected browser has no other context to make). */
  async newPage(browser: Browser): Promise<Page> {
    const [context] = browser.contexts();
    if (!context) throw new Error(`Chrome on ${this.options.serial} has no browser context over DevTools`);
    return context.newPage();
  }

  closePage(page: Page): Promise<void> {
    return page.close();
  }

  /** Closes the tabs this run opened on the page server (a broken job's tab may still be busy measuring), then disconnects; Chrome keeps running. */
  async release(browser: Browser | undefined, leftover: Page | undefined): Promise<void> {
    if (!browser) return;
    const ours = new Set(browser.contexts().flatMap((context) => context.pages()).filter((page) => page.url().startsWith(this.origin)));
    if (leftover) ours.add(leftover);
    const close = async () => {
      await Promise.all([...ours].map((page) => page.close().catch(() => {})));
      await browser.close().catch(() => {});
    };
    await within(close(), this.options.timeouts.sessionCloseMs, undefined);
  }

  /** Removes the `adb forward` rule (when the host closes, at the end of the run). */
  async dispose(): Promise<void> {
    if (this.port === undefined) return;
    const port = this.port;
    this.port = undefined;
    await this.options.adb.removeForward(this.options.serial, port);
  }
}

/** Opens Chrome on a phone over CDP and reads what the page says about it. */
export function cdpBrowserOpener(deps: { adb(): Adb }): OpenPhoneBrowser {
  return async ({ serial, model, pageUrl, context }): Promise<PhoneBrowser> => {
    const { config, log } = context;
    const timeouts = config.timeouts.android;
    const chrome = new PhoneChrome({ adb: deps.adb(), serial, ...(model ? { model } : {}), pageUrl, timeouts, signal: context.signal });
    // The host reopens Chrome itself after a crash; only the end of the run closes it.
    const host = new PlaywrightHost({
      source: chrome,
      origin: new URL(pageUrl).origin,
      onRestart: (reason) => log.warn(`${serial}: reconnecting to Chrome after: ${firstLine(reason)}`),
    });
    try {
      const facts = await untilAborted(readBrowserFacts(host, timeouts.pageReadyMs), context.signal, () => stopped(serial));
      log.debug(`${serial}: ${facts.browser.name} ${facts.browser.version} over DevTools (adb forward)`);
      return { route: 'cdp', host, facts };
    } catch (error) {
      await host.close().catch(() => {});
      throw error;
    }
  };
}
