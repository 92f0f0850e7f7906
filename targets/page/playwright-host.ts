/**
 * The CDP transport of the page host (./page-host.ts): Playwright on one
 * browser, wherever that browser comes from: launched on this host
 * (targets/browser), a Playwright server's, or Chrome on a phone reached over
 * its DevTools socket (targets/android, the CDP route). The job's lifecycle
 * is ./driven-host.ts's, shared with the BiDi transport; this file is only
 * how Playwright does each step. Where the browser comes from, how a job's
 * page is made and how the browser is let go of is a BrowserSource.
 */
import type { Browser, Page } from 'playwright-core';
import { HOST_CALLBACK, type PageEvent, type PageJob } from './app/protocol.ts';
import { DrivenHost, type BrowserDriver } from './driven-host.ts';

/** Where the host's browser comes from. */
export interface BrowserSource {
  /** For messages: `chromium`, `Chrome on 2B161JEGR04567`. */
  readonly name: string;
  /** The browser's product name once open (Chrome's `/json/version`), when it differs from `name`. */
  readonly product?: string;
  /** Launches the browser, or connects to it. */
  open(): Promise<Browser>;
  /** A fresh page for one job: a new context on a launched browser, a new tab on a connected one. */
  newPage(browser: Browser): Promise<Page>;
  /** Ends a job's page. */
  closePage(page: Page): Promise<void>;
  /**
   * Lets go of the browser after a crash, a hang or at the end: a launched
   * one is closed; a connected one is left running, less the pages this
   * runner opened (`leftover`: the page of a job that broke, if any).
   */
  release(browser: Browser | undefined, leftover: Page | undefined): Promise<void>;
  /** Once, when the host closes, after the last release (a phone's `adb forward` rule). */
  dispose?(): Promise<void>;
}

/** A hook run on the fresh page before the job starts (tests use it to crash or hang the page). */
export type PageHook = (page: Page, job: PageJob) => Promise<void> | void;

export interface PlaywrightHostOptions {
  source: BrowserSource;
  /** Origin of the page server as the browser reaches it, e.g. http://127.0.0.1:43210. */
  origin: string;
  beforeJob?: PageHook;
  /** Called when the browser is let go of after a crash, hang or disconnect. */
  onRestart?: (reason: string) => void;
}

/** Playwright's way of doing each step of the driven host. */
export function playwrightDriver(source: BrowserSource): BrowserDriver<Browser, Page> {
  return {
    name: source.name,
    ...(source.product ? { product: source.product } : {}),
    open: () => source.open(),
    connected: (browser) => browser.isConnected(),
    version: async (browser) => browser.version(),
    onDisconnect(browser, listener) {
      browser.on('disconnected', listener);
      return () => browser.off('disconnected', listener);
    },
    newPage: (browser) => source.newPage(browser),
    closePage: (page) => source.closePage(page).catch(() => {}),
    onCrash: (page, listener) => void page.on('crash', () => listener()),
    async load(page, url, timeoutMs) {
      page.setDefaultTimeout(timeoutMs);
      await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
      await page.waitForFunction(() => Boolean(window.edgebench?.ready), undefined, { timeout: timeoutMs });
    },
    // Pushed by the page through an exposed function, which Playwright installs for every navigation (so: before it).
    async watchPhases(page, jobId, onPhase) {
      await page.exposeFunction(HOST_CALLBACK, (event: PageEvent) => {
        if (event?.type === 'phase' && event.id === jobId) onPhase(event.phase);
      });
      return () => {};
    },
    capabilities: (page) => page.evaluate(() => window.edgebench!.capabilities()),
    runJob: (page, job) => page.evaluate((pageJob) => window.edgebench!.run(pageJob), job),
    release: (browser, leftover) => source.release(browser, leftover),
    ...(source.dispose ? { dispose: () => source.dispose!() } : {}),
  };
}

/** The page host on a Playwright browser. */
export class PlaywrightHost extends DrivenHost<Browser, Page> {
  constructor(options: PlaywrightHostOptions) {
    super({ driver: playwrightDriver(options.source), origin: options.origin, ...(options.beforeJob ? { beforeJob: options.beforeJob } : {}), ...(options.onRestart ? { onRestart: options.onRestart } : {}) });
  }
}
