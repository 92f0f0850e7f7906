/**
 * The page host (./page-host.ts) for every browser this process drives
 * through an automation library: one browser, a fresh page per job, the
 * job's phase followed as it runs, its result or failure read back, and the
 * browser let go of and reopened after anything that may have left it broken
 * (a crash, a disconnect, a hang past the timeout, an abort). The library is
 * a BrowserDriver: Playwright over CDP (./playwright-host.ts: Chromium, a
 * Playwright server, Chrome on a phone) or puppeteer-core over WebDriver BiDi
 * (./bidi-host.ts: Firefox). The lifecycle lives here once, so a job runs the
 * same on every engine and a fix to it lands once.
 */
import { firstLine } from '../../harness/core/format.ts';
import type { JobPhase } from '../../harness/core/record.ts';
import { PAGE_PATH, type PageCapabilities, type PageJob, type PageResult } from './app/protocol.ts';
import { hostFailure, JobInterrupted, jobInterruption, SharedOpen, type HostBrowser, type PageHost, type RunPageJobOptions } from './page-host.ts';

/** What the host needs of an automation library and of where its browser comes from; `B` and `P` are the library's Browser and Page. */
export interface BrowserDriver<B, P> {
  /** For messages: `chromium`, `firefox`, `Chrome on 2B161JEGR04567`. */
  readonly name: string;
  /** The browser's product name for the device block, when it differs from `name`. */
  readonly product?: string;
  /** Launches the browser, or connects to it. */
  open(): Promise<B>;
  connected(browser: B): boolean;
  /** The browser's version as it reports it (`137.0.7151.55`, `153.8.0`). */
  version(browser: B): Promise<string>;
  /** Calls `listener` when the browser goes away; returns the unsubscribe (the browser outlives the job). */
  onDisconnect(browser: B, listener: () => void): () => void;
  /** A fresh page for one job (a new context on a launched browser, a new tab on a connected one). */
  newPage(browser: B): Promise<P>;
  /** Ends a job's page; never rejects. */
  closePage(page: P): Promise<void>;
  /** Calls `listener` when the page's renderer dies. */
  onCrash(page: P, listener: (detail?: string) => void): void;
  /** Loads `url` and waits for `window.edgebench.ready`; `timeoutMs` bounds every wait on the page from now on. */
  load(page: P, url: string, timeoutMs: number): Promise<void>;
  /**
   * Follows the job's phase (`onPhase` with each one the page reports);
   * called before the page loads. Returns what stops following it.
   */
  watchPhases(page: P, jobId: string, onPhase: (phase: JobPhase) => void): Promise<() => void>;
  capabilities(page: P): Promise<PageCapabilities>;
  runJob(page: P, job: PageJob): Promise<PageResult>;
  /** True when a call's error says the browser went away (it often shows so before the library's disconnect event). */
  cutShort?(message: string): boolean;
  /**
   * Lets go of the browser after a crash, a hang or at the end: a launched
   * one is closed (bounded: a hung one must not hang the run); a connected
   * one is left running, less the pages this host opened (`leftover`: the
   * page of a job that broke, if any).
   */
  release(browser: B | undefined, leftover: P | undefined): Promise<void>;
  /** Once, when the host closes, after the last release (a phone's `adb forward` rule). */
  dispose?(): Promise<void>;
}

export interface DrivenHostOptions<B, P> {
  driver: BrowserDriver<B, P>;
  /** Origin of the page server as the browser reaches it, e.g. http://127.0.0.1:43210. */
  origin: string;
  /** Run on the fresh, ready page before the job starts (tests use it to crash or hang the page). */
  beforeJob?: (page: P, job: PageJob) => Promise<void> | void;
  /** Called when the browser is let go of after a crash, hang or disconnect. */
  onRestart?: (reason: string) => void;
}

export class DrivenHost<B, P> implements PageHost {
  private browserNow: B | undefined;
  private version: string | undefined;
  private closed = false;
  /** Opens so far (the first and every restart), for logs and tests. */
  launches = 0;
  private readonly opening = new SharedOpen(async () => {
    const browser = await this.options.driver.open();
    this.browserNow = browser;
    this.version = await this.options.driver.version(browser);
    this.launches += 1;
    return browser;
  });

  constructor(private readonly options: DrivenHostOptions<B, P>) {}

  get name(): string {
    return this.options.driver.name;
  }

  /** True until closed: a broken browser is reopened for the next job. */
  get alive(): boolean {
    return !this.closed;
  }

  private isConnected(): boolean {
    return this.browserNow !== undefined && this.options.driver.connected(this.browserNow);
  }

  /** The open browser, opened (again) as needed. */
  async ensureBrowser(): Promise<B> {
    if (this.browserNow && this.options.driver.connected(this.browserNow)) return this.browserNow;
    this.browserNow = undefined;
    return this.opening.get();
  }

  async browser(): Promise<HostBrowser> {
    if (!this.version) await this.ensureBrowser();
    return { name: this.options.driver.product ?? this.options.driver.name, version: this.version ?? 'unknown' };
  }

  /** The page's capabilities; `timeoutMs` bounds loading the page (config `timeouts.browser.pageReadyMs`). */
  async capabilities(timeoutMs: number): Promise<PageCapabilities> {
    const { driver } = this.options;
    const page = await driver.newPage(await this.ensureBrowser());
    try {
      await driver.load(page, `${this.options.origin}${PAGE_PATH}`, timeoutMs);
      return await driver.capabilities(page);
    } finally {
      await driver.closePage(page);
    }
  }

  /**
   * Runs one job in a fresh page. Never throws: a crash, a hang past
   * `timeoutMs`, an abort or a page that cannot load comes back as a failed
   * result naming the phase the job had reached.
   */
  async run(job: PageJob, options: RunPageJobOptions): Promise<PageResult> {
    const { driver } = this.options;
    const startedAt = new Date().toISOString();
    let phase: JobPhase = 'setup';
    let page: P | undefined;
    let broken = false;
    let brokenBy = '';
    /** The browser was open for this job (a failure before is a launch's, not a browser gone away). */
    let reached = false;
    const cleanups: (() => void)[] = [];

    try {
      const interruption = jobInterruption({ name: driver.name, job, options, phase: () => phase, onBreak: () => (broken = true) });
      cleanups.push(interruption.stop);
      const { interrupted } = interruption;

      const work = async (): Promise<PageResult> => {
        const browser = await this.ensureBrowser();
        reached = true;
        let breakJob: (error: JobInterrupted) => void = () => {};
        const gone = new Promise<never>((_, reject) => (breakJob = reject));
        gone.catch(() => {});
        cleanups.push(
          driver.onDisconnect(browser, () => {
            broken = true;
            breakJob(new JobInterrupted(`${driver.name}: the browser went away during ${phase}`));
          }),
        );
        const guarded = <T>(promise: Promise<T>) => Promise.race([promise, gone]);
        const opened = await guarded(driver.newPage(browser));
        page = opened;
        driver.onCrash(opened, (detail) => {
          broken = true;
          breakJob(new JobInterrupted(`${driver.name}: the page crashed during ${phase}${detail ? `: ${detail}` : ' (renderer process gone)'}; the browser is restarted for the next job`));
        });
        cleanups.push(
          await guarded(
            driver.watchPhases(opened, job.id, (now) => {
              phase = now;
              options.onPhase?.(now);
            }),
          ),
        );
        await guarded(driver.load(opened, `${this.options.origin}${PAGE_PATH}`, options.timeoutMs));
        await guarded(Promise.resolve(this.options.beforeJob?.(opened, job)));
        return await guarded(driver.runJob(opened, job));
      };
      return await Promise.race([work(), interrupted]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const lost = !(error instanceof JobInterrupted) && (!this.isConnected() || driver.cutShort?.(message) === true);
      if (lost) broken = true;
      brokenBy = message;
      return hostFailure(job, phase, lost && reached ? new Error(`${driver.name}: the browser went away during ${phase}: ${firstLine(message)}`) : error, startedAt);
    } finally {
      for (const cleanup of cleanups) cleanup();
      if (broken) {
        this.options.onRestart?.(brokenBy);
        await this.restart(page);
      } else if (page) {
        await driver.closePage(page);
      }
    }
  }

  /** Lets go of the browser (and a broken job's page); the next job opens it again. */
  async restart(leftover?: P): Promise<void> {
    const browser = this.browserNow;
    this.browserNow = undefined;
    await this.options.driver.release(browser, leftover);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opening.settled();
    try {
      await this.restart();
    } finally {
      await this.options.driver.dispose?.();
    }
  }
}
