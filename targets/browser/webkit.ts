/**
 * WebKit on this host: WebKitGTK's MiniBrowser (the engine Safari runs on)
 * driven by Debian's `WebKitWebDriver` over classic WebDriver, through the
 * page's WebDriver transport (targets/page/webdriver-host.ts) unchanged.
 * MiniBrowser has no headless mode: it is shown on an Xvfb display started
 * here (or the `DISPLAY` already set). Its host owns that display, the
 * driver process and one session at a time (targets/page/session-host.ts): a
 * job that fails gets a fresh session (a new MiniBrowser) for the next one,
 * and a driver that died is started again, so a crash fails that job only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { ResolvedConfig } from '../../harness/core/config.ts';
import { firstLine } from '../../harness/core/format.ts';
import { PAGE_PATH } from '../page/app/protocol.ts';
import type { PageHost } from '../page/page-host.ts';
import { SessionHost } from '../page/session-host.ts';
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
export function browserSessionTimeouts(timeouts: ResolvedConfig['timeouts']): SessionTimeouts {
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

/**
 * The children of `pid` that are still running: a killed MiniBrowser stays a
 * zombie child of the driver until the driver reaps it, and must count as gone.
 */
function liveChildPids(pid: number): number[] | undefined {
  return childPids(pid)?.filter((child) => {
    try {
      // /proc/<pid>/stat: "pid (comm) state …"; comm may hold spaces or parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
      return !/^\s*[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 1));
    } catch {
      return false;
    }
  });
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
      if (!text.includes('\n')) return;
      clearTimeout(timer);
      resolve(`:${text.trim()}`);
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

/**
 * The page host of a WebKitGTK found here: a session host whose sessions
 * each start a MiniBrowser through the driver, the display and the driver
 * started on first use (and the driver again if it died).
 */
export function webkitHost(options: WebKitHostOptions): SessionHost {
  const { candidate, timeouts } = options;
  const env = options.env ?? process.env;
  let xvfb: ChildProcess | undefined;
  let display: string | undefined;
  let driver: { port: number; process: ChildProcess } | undefined;
  const driverExited = () => !driver || driver.process.exitCode !== null || driver.process.signalCode !== null;

  const open = async (): Promise<PageHost> => {
    if (!display) {
      if (env.DISPLAY) display = env.DISPLAY;
      else {
        const started = await startXvfb(timeouts.browser.launchMs);
        xvfb = started.process;
        display = started.display;
      }
    }
    // JavaScriptCore keeps SharedArrayBuffer off in WebKitGTK unless its option says so, even on a cross-origin-isolated page.
    if (driverExited()) driver = await startDriver(candidate.driverPath ?? 'WebKitWebDriver', { ...env, DISPLAY: display, JSC_useSharedArrayBuffer: '1' }, timeouts.browser.launchMs);
    const running = driver!;
    return openWebDriverHost({
      endpoint: { protocol: 'http', hostname: '127.0.0.1', port: running.port, path: '/' },
      capabilities: { 'webkitgtk:browserOptions': { binary: candidate.executablePath, args: ['--automation'] } },
      name: candidate.name,
      pageUrl: `${options.origin}${PAGE_PATH}`,
      // A poll left waiting on a killed MiniBrowser never returns: the driver's child gone says so.
      isAlive: async () => {
        const children = liveChildPids(running.process.pid ?? -1);
        return children === undefined ? undefined : children.length > 0;
      },
      timeouts: browserSessionTimeouts(timeouts),
    });
  };

  return new SessionHost({
    name: candidate.name,
    product: 'WebKitGTK',
    open,
    explainFailure: (result) => {
      const gone = driver && liveChildPids(driver.process.pid ?? -1)?.length === 0;
      if (!gone || /went away/.test(result.error.message)) return result;
      return { ...result, error: { ...result.error, message: `${candidate.name}: the browser went away during ${result.phase} (the last phase the page reported): ${firstLine(result.error.message)}` } };
    },
    dispose: async () => {
      await stop(driver?.process, timeouts.browser.closeMs);
      driver = undefined;
      await stop(xvfb, timeouts.browser.closeMs);
      xvfb = undefined;
    },
  });
}
