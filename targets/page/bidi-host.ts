/**
 * The WebDriver BiDi transport of the page host (./page-host.ts): Puppeteer
 * (puppeteer-core, `protocol: 'webDriverBiDi'`) on one browser, for the
 * engines Playwright cannot drive here (Debian's Firefox ESR: Playwright's
 * BiDi code asks it for commands it lacks, and Debian ships no geckodriver
 * for webdriverio). The job's lifecycle is ./driven-host.ts's, shared with
 * the CDP transport; this file is only how Puppeteer does each step: a fresh
 * browser context per job, the phase polled from the page.
 */
import type { Browser, Page } from 'puppeteer-core';
import { DrivenHost, type BrowserDriver } from './driven-host.ts';

/** Where the host's browser comes from: launched here (targets/browser/firefox.ts). */
export interface BidiSource {
  /** For messages: `firefox`. */
  readonly name: string;
  /** The browser's product name for the device block (`Firefox`). */
  readonly product: string;
  open(): Promise<Browser>;
  /** Closes the browser (bounded: a hung one must not hang the run). */
  release(browser: Browser | undefined): Promise<void>;
}

export interface BidiHostOptions {
  source: BidiSource;
  /** Origin of the page server as the browser reaches it. */
  origin: string;
  /** Called when the browser is let go of after a crash, hang or disconnect. */
  onRestart?: (reason: string) => void;
}

/** Messages of a call cut short because the browser went away. */
const BROWSER_GONE = /Target closed|Connection closed|disconnected|ECONNRESET|socket hang up/i;

/** How often the host reads the page's phase while a job runs. */
const POLL_MS = 250;

/** `firefox/153.8.0` (Puppeteer's `version()`) → `153.8.0`. */
export function bidiVersion(raw: string): string {
  return raw.includes('/') ? raw.slice(raw.indexOf('/') + 1) : raw;
}

/** Puppeteer's way of doing each step of the driven host. */
export function bidiDriver(source: BidiSource): BrowserDriver<Browser, Page> {
  return {
    name: source.name,
    product: source.product,
    open: () => source.open(),
    connected: (browser) => browser.connected,
    version: async (browser) => bidiVersion(await browser.version()),
    onDisconnect(browser, listener) {
      browser.on('disconnected', listener);
      return () => void browser.off('disconnected', listener);
    },
    async newPage(browser) {
      const context = await browser.createBrowserContext();
      return context.newPage();
    },
    closePage: (page) => page.browserContext().close().catch(() => {}),
    onCrash: (page, listener) => void page.on('error', (error) => listener(error.message)),
    async load(page, url, timeoutMs) {
      page.setDefaultTimeout(timeoutMs);
      await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
      await page.waitForFunction(() => Boolean(window.edgebench?.ready), { timeout: timeoutMs });
    },
    // Polled from the page's state, not pushed through an exposed function: Firefox delivers such
    // calls only until the job's own long evaluate is under way (setup and load, never the loop).
    async watchPhases(page, jobId, onPhase) {
      let last: string | undefined;
      const poller = setInterval(() => {
        page
          .evaluate((id) => (window.edgebench?.state.id === id ? window.edgebench.state.phase : null), jobId)
          .then((now) => {
            if (!now || now === last) return;
            last = now;
            onPhase(now);
          })
          .catch(() => {});
      }, POLL_MS);
      return () => clearInterval(poller);
    },
    capabilities: (page) => page.evaluate(() => window.edgebench!.capabilities()),
    runJob: (page, job) => page.evaluate((pageJob) => window.edgebench!.run(pageJob), job),
    // A killed browser often shows first as a call cut short ("Target closed"), before `disconnected`.
    cutShort: (message) => BROWSER_GONE.test(message),
    release: (browser) => source.release(browser),
  };
}

/** The page host on a Firefox driven over WebDriver BiDi. */
export class BidiHost extends DrivenHost<Browser, Page> {
  constructor(options: BidiHostOptions) {
    super({ driver: bidiDriver(options.source), origin: options.origin, ...(options.onRestart ? { onRestart: options.onRestart } : {}) });
  }
}
