/**
 * The page host: one browser that runs page jobs, whatever protocol reaches
 * it. One transport per protocol implements it: CDP through Playwright
 * (./playwright-host.ts: a browser launched here, a Playwright server's, or
 * Chrome on a phone over its DevTools socket) and WebDriver BiDi through
 * Puppeteer (./bidi-host.ts: Firefox), both one lifecycle (./driven-host.ts)
 * over their library's steps, and classic WebDriver through
 * webdriverio (./webdriver-host.ts: Appium, a grid, a device farm, WebKitGTK;
 * ./session-host.ts reopens its sessions). The page job flow (./job-flow.ts)
 * sees only this, so another engine or protocol plugs in here and nowhere else.
 */
import type { JobPhase } from '../../harness/core/record.ts';
import { PROTOCOL_VERSION, type PageCapabilities, type PageJob, type PageResult } from './app/protocol.ts';

export interface RunPageJobOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called when the page reports a new phase (for progress, and tests). */
  onPhase?: (phase: JobPhase) => void;
}

/** The browser as it names itself, for the device block. */
export interface HostBrowser {
  /** `chromium`, `Chrome`, `chrome` … */
  name: string;
  version: string;
}

export interface PageHost {
  /** For messages: `chromium`, `Chrome on Pixel 7 (2B161JEGR04567)`. */
  readonly name: string;
  /** False once it cannot run another job (a lost WebDriver session); open a new host then. A CDP host reopens its browser itself. */
  readonly alive: boolean;
  /** The browser's name and version (opening it if needed). */
  browser(): Promise<HostBrowser>;
  /** Opens the benchmark page and reads what the browser offers; `timeoutMs` bounds the page becoming ready. */
  capabilities(timeoutMs: number): Promise<PageCapabilities>;
  /**
   * Runs one job in a fresh page at the benchmark page's URL and reads its
   * result. Never rejects: a crash, a hang past `timeoutMs`, an abort or a
   * page that cannot load is a failed PageResult naming the phase reached.
   */
  run(job: PageJob, options: RunPageJobOptions): Promise<PageResult>;
  /** Lets go of the browser (what this host opened in it); idempotent. */
  close(): Promise<void>;
}

/** A failed PageResult made on the host side (the page could not say it). */
export function hostFailure(job: PageJob, phase: JobPhase, error: unknown, startedAt: string): PageResult {
  const reason = error instanceof Error ? error : new Error(String(error));
  return {
    protocol: PROTOCOL_VERSION,
    id: job.id,
    ok: false,
    phase,
    error: { name: reason.name, message: reason.message, ...(reason.stack ? { stack: reason.stack } : {}) },
    startedAt,
    finishedAt: new Date().toISOString(),
  };
}

/** Thrown inside a host when the browser side ends the job abnormally; becomes a failed PageResult. */
export class JobInterrupted extends Error {
  override name = 'BrowserJobInterrupted';
}

/**
 * A promise that rejects with JobInterrupted when the job runs past its time
 * limit or the user aborts, calling `onBreak` first (the host then restarts
 * its browser); `stop()` clears the timer and the abort listener. The same
 * rule for every transport that runs a job in a page it drives itself.
 */
export function jobInterruption(args: { name: string; job: PageJob; options: RunPageJobOptions; phase: () => JobPhase; onBreak: () => void }): { interrupted: Promise<never>; stop: () => void } {
  const { name, job, options, phase, onBreak } = args;
  const stops: (() => void)[] = [];
  const interrupted = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => {
      onBreak();
      reject(new JobInterrupted(`${name}: job ${job.id} did not finish within ${Math.round(options.timeoutMs / 1000)} s (stuck in ${phase()}); the browser is restarted for the next job`));
    }, options.timeoutMs);
    stops.push(() => clearTimeout(timer));
    if (options.signal) {
      const onAbort = () => {
        onBreak();
        reject(new JobInterrupted(`job ${job.id} aborted (interrupted by the user)`));
      };
      if (options.signal.aborted) onAbort();
      options.signal.addEventListener('abort', onAbort, { once: true });
      stops.push(() => options.signal?.removeEventListener('abort', onAbort));
    }
  });
  interrupted.catch(() => {});
  return { interrupted, stop: () => stops.forEach((stop) => stop()) };
}

/**
 * The one open under way of a host's browser or session: callers while it
 * opens share it, and once settled (either way) it is forgotten, so a failed
 * open is tried again by the next caller. What an open records (the browser,
 * its version, a count) is done inside `open`, before anyone sees the value.
 */
export class SharedOpen<T> {
  private pending: Promise<T> | undefined;

  constructor(private readonly open: () => Promise<T>) {}

  get(): Promise<T> {
    this.pending ??= this.open().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Waits for an open under way (a close must not race it); never rejects. */
  async settled(): Promise<void> {
    await this.pending?.catch(() => {});
  }
}
