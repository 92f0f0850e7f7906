/**
 * The CDP transport of the page host (./page-host.ts): Playwright on one browser,
 * wherever that browser comes from: launched on this host (targets/browser)
 * or Chrome on a phone reached over its DevTools socket (targets/android, the
 * CDP route). A fresh page per job, the job's result or failure read back,
 * and the browser let go of and reopened after anything that may have left
 * it broken (renderer crash, hang past the timeout, disconnect).
 *
 * Where the browser comes from, how a job's page is made and how the browser
 * is let go of is a BrowserSource; everything else is the same for both.
 */
import type { Browser, Page } from 'playwright-core';
import type { JobPhase } from '../../harness/core/record.ts';
import { HOST_CALLBACK, PAGE_PATH, type PageCapabilities, type PageEvent, type PageJob, type PageResult } from './app/protocol.ts';
import { hostFailure, JobInterrupted, jobInterruption, type HostBrowser, type PageHost, type RunPageJobOptions } from './page-host.ts';

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

export class PlaywrightHost implements PageHost {
  private browserNow: Browser | undefined;
  private opening: Promise<Browser> | undefined;
  private version: string | undefined;
  private closed = false;
  /** Opens so far (the first and every restart), for logs and tests. */
  launches = 0;

  constructor(private readonly options: PlaywrightHostOptions) {}

  get name(): string {
    return this.options.source.name;
  }

  /** True until closed: a broken browser is reopened for the next job. */
  get alive(): boolean {
    return !this.closed;
  }

  /** The open browser, opened (again) as needed. */
  async ensureBrowser(): Promise<Browser> {
    if (this.browserNow?.isConnected()) return this.browserNow;
    this.browserNow = undefined;
    this.opening ??= this.options.source.open().then(
      (browser) => {
        this.browserNow = browser;
        this.version = browser.version();
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
    return { name: this.options.source.product ?? this.options.source.name, version: this.version ?? 'unknown' };
  }

  /** A fresh page on the benchmark page, waited on until `window.edgebench` is ready. */
  private async openPage(browser: Browser, timeoutMs: number): Promise<Page> {
    const page = await this.options.source.newPage(browser);
    try {
      page.setDefaultTimeout(timeoutMs);
      await page.goto(`${this.options.origin}${PAGE_PATH}`, { waitUntil: 'load', timeout: timeoutMs });
      await page.waitForFunction(() => Boolean(window.edgebench?.ready), undefined, { timeout: timeoutMs });
      return page;
    } catch (error) {
      await this.options.source.closePage(page).catch(() => {});
      throw error;
    }
  }

  /** The page's capabilities; `timeoutMs` bounds loading the page (config `timeouts.browser.pageReadyMs`). */
  async capabilities(timeoutMs: number): Promise<PageCapabilities> {
    const browser = await this.ensureBrowser();
    const page = await this.openPage(browser, timeoutMs);
    try {
      return await page.evaluate(() => window.edgebench!.capabilities());
    } finally {
      await this.options.source.closePage(page).catch(() => {});
    }
  }

  /**
   * Runs one job in a fresh page. Never throws: a crash, a hang past
   * `timeoutMs`, an abort or a page that cannot load comes back as a failed
   * result naming the phase the job had reached.
   */
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
        page = await source.newPage(browser);
        const crashed = new Promise<never>((_, reject) => {
          page!.on('crash', () => {
            broken = true;
            reject(new JobInterrupted(`${source.name}: the page crashed during ${phase} (renderer process gone); the browser is restarted for the next job`));
          });
          const onDisconnect = () => {
            broken = true;
            reject(new JobInterrupted(`${source.name}: the browser went away during ${phase}`));
          };
          browser.on('disconnected', onDisconnect);
          // The browser outlives the job: one listener per job would pile up.
          cleanups.push(() => browser.off('disconnected', onDisconnect));
        });
        crashed.catch(() => {});
        const guarded = <T>(promise: Promise<T>) => Promise.race([promise, crashed]);

        await guarded(
          page.exposeFunction(HOST_CALLBACK, (event: PageEvent) => {
            if (event?.type !== 'phase' || event.id !== job.id) return;
            phase = event.phase;
            options.onPhase?.(event.phase);
          }),
        );
        page.setDefaultTimeout(options.timeoutMs);
        await guarded(page.goto(`${this.options.origin}${PAGE_PATH}`, { waitUntil: 'load' }));
        await guarded(page.waitForFunction(() => Boolean(window.edgebench?.ready)));
        await guarded(Promise.resolve(this.options.beforeJob?.(page, job)));
        return await guarded(page.evaluate((pageJob) => window.edgebench!.run(pageJob), job));
      };
      return await Promise.race([work(), interrupted]);
    } catch (error) {
      if (!(error instanceof JobInterrupted) && !this.browserNow?.isConnected()) broken = true;
      brokenBy = error instanceof Error ? error.message : String(error);
      return hostFailure(job, phase, error, startedAt);
    } finally {
      for (const cleanup of cleanups) cleanup();
      if (broken) {
        this.options.onRestart?.(brokenBy);
        await this.restart(page);
      } else if (page) {
        await source.closePage(page).catch(() => {});
      }
    }
  }

  /** Lets go of the browser (and a broken job's page); the next job opens it again. */
  async restart(leftover?: Page): Promise<void> {
    const browser = this.browserNow;
    this.browserNow = undefined;
    await this.options.source.release(browser, leftover);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opening?.catch(() => {});
    try {
      await this.restart();
    } finally {
      await this.options.source.dispose?.();
    }
  }
}

