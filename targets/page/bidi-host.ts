/**
 * The WebDriver BiDi transport of the page host (./page-host.ts): Puppeteer
 * (puppeteer-core, `protocol: 'webDriverBiDi'`) on one browser, for the
 * engines Playwright cannot drive here (Debian's Firefox ESR: Playwright's
 * BiDi code asks it for commands it lacks, and Debian ships no geckodriver
 * for webdriverio). The flow mirrors the CDP host's (./playwright-host.ts):
 * a fresh browser context per job, its phase read from the page as it runs,
 * and the browser closed and relaunched after anything that may
 * have left it broken (disconnect, hang past the timeout, abort). The two
 * stay separate files because their libraries' Browser and Page types differ.
 */
import type { Browser, Page } from 'puppeteer-core';
import { firstLine } from '../../harness/core/format.ts';
import type { JobPhase } from '../../harness/core/record.ts';
import { PAGE_PATH, type PageCapabilities, type PageJob, type PageResult } from './app/protocol.ts';
import { hostFailure, JobInterrupted, jobInterruption, type HostBrowser, type PageHost, type RunPageJobOptions } from './page-host.ts';

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

export class BidiHost implements PageHost {
  private browserNow: Browser | undefined;
  private opening: Promise<Browser> | undefined;
  private version: string | undefined;
  private closed = false;
  /** Opens so far (the first and every restart), for tests. */
  launches = 0;

  constructor(private readonly options: BidiHostOptions) {}

  get name(): string {
    return this.options.source.name;
  }

  get alive(): boolean {
    return !this.closed;
  }

  private async ensureBrowser(): Promise<Browser> {
    if (this.browserNow?.connected) return this.browserNow;
    this.browserNow = undefined;
    this.opening ??= this.options.source.open().then(
      async (browser) => {
        this.browserNow = browser;
        this.version = bidiVersion(await browser.version());
        this.launches += 1;
        this.opening = undefined;
        return browser;
      },
      (error: unknown) => {
        this.opening = undefined;
        throw error;
      },
    );
    return this.opening;
  }

  async browser(): Promise<HostBrowser> {
    if (!this.version) await this.ensureBrowser();
    return { name: this.options.source.product, version: this.version ?? 'unknown' };
  }

  private async newPage(browser: Browser): Promise<Page> {
    const context = await browser.createBrowserContext();
    return context.newPage();
  }

  private async closePage(page: Page): Promise<void> {
    await page.browserContext().close().catch(() => {});
  }

  async capabilities(timeoutMs: number): Promise<PageCapabilities> {
    const page = await this.newPage(await this.ensureBrowser());
    try {
      page.setDefaultTimeout(timeoutMs);
      await page.goto(`${this.options.origin}${PAGE_PATH}`, { waitUntil: 'load', timeout: timeoutMs });
      await page.waitForFunction(() => Boolean(window.edgebench?.ready), { timeout: timeoutMs });
      return await page.evaluate(() => window.edgebench!.capabilities());
    } finally {
      await this.closePage(page);
    }
  }

  async run(job: PageJob, options: RunPageJobOptions): Promise<PageResult> {
    const { source } = this.options;
    const startedAt = new Date().toISOString();
    let phase: JobPhase = 'setup';
    let page: Page | undefined;
    let broken = false;
    let brokenBy = '';
    const cleanups: (() => void)[] = [];
    try {
      const interruption = jobInterruption({ name: source.name, job, options, phase: () => phase, onBreak: () => (broken = true) });
      cleanups.push(interruption.stop);
      const { interrupted } = interruption;

      const work = async (): Promise<PageResult> => {
        const browser = await this.ensureBrowser();
        const gone = new Promise<never>((_, reject) => {
          const onDisconnect = () => {
            broken = true;
            reject(new JobInterrupted(`${source.name}: the browser went away during ${phase}`));
          };
          browser.on('disconnected', onDisconnect);
          cleanups.push(() => browser.off('disconnected', onDisconnect));
        });
        gone.catch(() => {});
        const guarded = <T>(promise: Promise<T>) => Promise.race([promise, gone]);
        page = await guarded(this.newPage(browser));
        const opened = page;
        opened.on('error', (error) => {
          broken = true;
          brokenBy = `the page crashed during ${phase}: ${error.message}`;
        });
        opened.setDefaultTimeout(options.timeoutMs);
        await guarded(opened.goto(`${this.options.origin}${PAGE_PATH}`, { waitUntil: 'load' }));
        await guarded(opened.waitForFunction(() => Boolean(window.edgebench?.ready)));
        // The phase is polled from the page's state, not pushed through an exposed function: Firefox
        // delivers such calls only until the job's own long evaluate is under way (setup and load, never the loop).
        const poller = setInterval(() => {
          opened
            .evaluate((id) => (window.edgebench?.state.id === id ? window.edgebench.state.phase : null), job.id)
            .then((now) => {
              if (!now || now === phase) return;
              phase = now;
              options.onPhase?.(now);
            })
            .catch(() => {});
        }, POLL_MS);
        cleanups.push(() => clearInterval(poller));
        return await guarded(opened.evaluate((pageJob) => window.edgebench!.run(pageJob), job));
      };
      return await Promise.race([work(), interrupted]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A killed browser often shows first as a call cut short ("Target closed"), before `disconnected`.
      const gone = !(error instanceof JobInterrupted) && (!this.browserNow?.connected || BROWSER_GONE.test(message));
      if (gone) broken = true;
      brokenBy ||= message;
      return hostFailure(job, phase, gone ? new Error(`${source.name}: the browser went away during ${phase}: ${firstLine(message)}`) : error, startedAt);
    } finally {
      for (const cleanup of cleanups) cleanup();
      if (broken) {
        this.options.onRestart?.(brokenBy);
        await this.restart();
      } else if (page) {
        await this.closePage(page);
      }
    }
  }

  /** Lets go of the browser; the next job launches it again. */
  async restart(): Promise<void> {
    const browser = this.browserNow;
    this.browserNow = undefined;
    await this.options.source.release(browser);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opening?.catch(() => {});
    await this.restart();
  }
}
