/**
 * A page host over WebDriver sessions (./webdriver-host.ts) that outlives
 * them: one session at a time, opened when first needed, and ended after a
 * job that fails so the next job starts on a fresh browser (a WebDriver
 * session does not come back once its browser is gone). Used by the local
 * WebKit (targets/browser/webkit.ts) and by remote WebDriver browsers
 * (targets/browser/remote.ts); what differs is how a session is opened.
 */
import type { PageCapabilities, PageJob, PageResult } from './app/protocol.ts';
import { hostFailure, SharedOpen, type HostBrowser, type PageHost, type RunPageJobOptions } from './page-host.ts';

export interface SessionHostOptions {
  /** For messages: `webkitgtk`. */
  name: string;
  /** The browser's product name for the device block, when the session's own name is not the one to show. */
  product?: string;
  /** Opens a new session (starting whatever it needs the first time). */
  open(): Promise<PageHost>;
  /** Rewords a failed job's result once its session has ended (say that the browser is gone). */
  explainFailure?(result: Extract<PageResult, { ok: false }>): PageResult;
  /** Once, when the host closes, after the last session ended (a driver process, a display). */
  dispose?(): Promise<void>;
}

export class SessionHost implements PageHost {
  private session: PageHost | undefined;
  private named: HostBrowser | undefined;
  private closed = false;
  /** Sessions opened so far (the first and one after each failed job), for tests. */
  launches = 0;
  private readonly opening = new SharedOpen(async () => {
    const session = await this.options.open();
    this.session = session;
    this.launches += 1;
    return session;
  });

  constructor(private readonly options: SessionHostOptions) {}

  get name(): string {
    return this.options.name;
  }

  get alive(): boolean {
    return !this.closed;
  }

  private async ensureSession(): Promise<PageHost> {
    if (this.closed) throw new Error(`${this.name}: the host is closed`);
    if (this.session?.alive) return this.session;
    return this.opening.get();
  }

  async browser(): Promise<HostBrowser> {
    if (!this.named) {
      const raw = await (await this.ensureSession()).browser();
      this.named = { name: this.options.product ?? raw.name, version: raw.version };
    }
    return this.named;
  }

  async capabilities(timeoutMs: number): Promise<PageCapabilities> {
    return (await this.ensureSession()).capabilities(timeoutMs);
  }

  async run(job: PageJob, options: RunPageJobOptions): Promise<PageResult> {
    let session: PageHost;
    try {
      session = await this.ensureSession();
    } catch (error) {
      return hostFailure(job, 'setup', error, new Date().toISOString());
    }
    const result = await session.run(job, options);
    if (result.ok) return result;
    // Whatever broke (the page, the browser, the driver), the next job starts on a fresh browser.
    const explained = this.options.explainFailure?.(result) ?? result;
    await this.endSession();
    return explained;
  }

  private async endSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opening.settled();
    try {
      await this.endSession();
    } finally {
      await this.options.dispose?.();
    }
  }
}
