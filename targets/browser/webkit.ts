/**
 * WebKit on this host: WebKitGTK's MiniBrowser (the engine Safari runs on)
 * driven by Debian's `WebKitWebDriver` over classic WebDriver, through the
 * page's WebDriver transport (targets/page/webdriver-host.ts) unchanged.
 * MiniBrowser has no headless mode: it is shown on an Xvfb display started
 * here (or the `DISPLAY` already set). This host owns that display, the
 * driver process and one session at a time: a job that fails gets a fresh
 * session (a new MiniBrowser) for the next one, and a driver that died is
 * started again, so a crash fails that job only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { ResolvedConfig } from '../../harness/core/config.ts';
import { firstLine } from '../../harness/core/format.ts';
import { PAGE_PATH, type PageCapabilities, type PageJob, type PageResult } from '../page/app/protocol.ts';
import { hostFailure, type HostBrowser, type PageHost, type RunPageJobOptions } from '../page/page-host.ts';
import { openWebDriverHost, type SessionTimeouts } from '../page/webdriver-host.ts';
import type { BrowserCandidate } from './browsers.ts';

export interface WebKitHostOptions {
  candidate: BrowserCandidate;
  /** Origin of the page server. */
  origin: string;
  timeouts: ResolvedConfig['timeouts'];
  env?: NodeJS.ProcessEnv;
}

/** The session bounds of a local WebKit, from the browser timeouts (the poll bounds are the page transport's own). */
export function webkitTimeouts(timeouts: ResolvedConfig['timeouts']): SessionTimeouts {
  return {
    sessionStartMs: timeouts.browser.launchMs,
    pageLoadMs: timeouts.browser.pageReadyMs,
    pageReadyMs: timeouts.browser.pageReadyMs,
    pagePollMs: timeouts.android.pagePollMs,
    devtoolsProbeMs: timeouts.android.devtoolsProbeMs,
    sessionCloseMs: timeouts.browser.closeMs,
  };
}

/** A free loopback port (the driver takes a port number, not 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** Child process ids of `pid` (Linux /proc); undefined where that cannot be read. */
export function childPids(pid: number): number[] | undefined {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return undefined;
  }
}

/** Ends a process this host started: SIGTERM, then SIGKILL if it lingers. */
async function stop(child: ChildProcess | undefined, timeoutMs: number): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Starts Xvfb on the first free display; resolves with `:<n>` once it accepts clients. */
async function startXvfb(timeoutMs: number): Promise<{ display: string; process: ChildProcess }> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const display = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) (clearTimeout(timer), resolve(`:${text.trim()}`));
    });
    child.once('error', (error) => (clearTimeout(timer), reject(new Error(`cannot start Xvfb: ${error.message}`))));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`Xvfb exited (${code}): ${stderr.trim().split('\n').pop() ?? ''}`))));
  });
  return { display, process: child };
}

/** Starts WebKitWebDriver on a free loopback port; resolves once it answers `/status`. */
async function startDriver(driverPath: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ port: number; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(driverPath, [`--port=${port}`, '--host=local'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let failure: Error | undefined;
  child.once('error', (error) => (failure = error));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (failure) throw new Error(`cannot start ${driverPath}: ${failure.message}`);
    if (child.exitCode !== null) throw new Error(`${driverPath} exited (${child.exitCode}): ${stderr.trim().split('\n').pop() ?? ''}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return { port, process: child };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${driverPath} did not answer on port ${port} within ${Math.round(timeoutMs / 1000)} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export class WebKitHost implements PageHost {
  private xvfb: ChildProcess | undefined;
  private display: string | undefined;
  private driver: { port: number; process: ChildProcess } | undefined;
  private session: PageHost | undefined;
  private opening: Promise<PageHost> | undefined;
  private named: HostBrowser | undefined;
  private closed = false;
  /** Sessions opened so far (the first and one after each failed job), for tests. */
  launches = 0;

  constructor(private readonly options: WebKitHostOptions) {}

  get name(): string {
    return this.options.candidate.name;
  }

  get alive(): boolean {
    return !this.closed;
  }

  private async openSession(): Promise<PageHost> {
    const { candidate, timeouts } = this.options;
    const env = this.options.env ?? process.env;
    if (!this.display) {
      if (env.DISPLAY) this.display = env.DISPLAY;
      else {
        const started = await startXvfb(timeouts.browser.launchMs);
        this.xvfb = started.process;
        this.display = started.display;
      }
    }
    if (!this.driver || this.driver.process.exitCode !== null || this.driver.process.signalCode !== null) {
      this.driver = await startDriver(candidate.driverPath ?? 'WebKitWebDriver', { ...env, DISPLAY: this.display }, timeouts.browser.launchMs);
    }
    const driver = this.driver;
    const session = await openWebDriverHost({
      endpoint: { protocol: 'http', hostname: '127.0.0.1', port: driver.port, path: '/' },
      capabilities: { 'webkitgtk:browserOptions': { binary: candidate.executablePath, args: ['--automation'] } },
      name: candidate.name,
      pageUrl: `${this.options.origin}${PAGE_PATH}`,
      // A poll left waiting on a killed MiniBrowser never returns: the driver's child gone says so.
      isAlive: async () => {
        const children = childPids(driver.process.pid ?? -1);
        return children === undefined ? undefined : children.length > 0;
      },
      timeouts: webkitTimeouts(timeouts),
    });
    this.launches += 1;
    return session;
  }

  private async ensureSession(): Promise<PageHost> {
    if (this.closed) throw new Error(`${this.name}: the host is closed`);
    if (this.session?.alive) return this.session;
    this.opening ??= this.openSession().then(
      (session) => ((this.session = session), (this.opening = undefined), session),
      (error: unknown) => {
        this.opening = undefined;
        throw error;
      },
    );
    return this.opening;
  }

  async browser(): Promise<HostBrowser> {
    if (!this.named) {
      const raw = await (await this.ensureSession()).browser();
      this.named = { name: 'WebKitGTK', version: raw.version };
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
    // Whatever broke (the page, MiniBrowser, the driver), the next job starts on a fresh MiniBrowser.
    const gone = this.driver && childPids(this.driver.process.pid ?? -1)?.length === 0;
    await this.endSession();
    if (!gone || /went away/.test(result.error.message)) return result;
    return { ...result, error: { ...result.error, message: `${this.name}: the browser went away during ${result.phase} (the last phase the page reported): ${firstLine(result.error.message)}` } };
  }

  private async endSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opening?.catch(() => {});
    await this.endSession();
    const closeMs = this.options.timeouts.browser.closeMs;
    await stop(this.driver?.process, closeMs);
    this.driver = undefined;
    await stop(this.xvfb, closeMs);
    this.xvfb = undefined;
  }
}
