/**
 * The Appium server the harness starts and stops itself, from the project's
 * own node_modules (no global install). With no APPIUM_HOME set, Appium finds
 * the drivers listed in the package.json of the project it runs in, so it is
 * started with that project as its working folder. An external server, grid
 * or device farm (`android.appiumUrl`) replaces all of this.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_TIMEOUTS, type Timeouts } from '../../harness/core/config.ts';
import type { Logger } from '../../harness/core/log.ts';
import { processIdentity } from '../../harness/core/process-identity.ts';
import type { RunLedger, Setup } from './run-ledger.ts';

const require = createRequire(import.meta.url);

/** The npm package of each common automationName, for the "install it" hint. */
const DRIVER_PACKAGES: Record<string, string> = {
  uiautomator2: 'appium-uiautomator2-driver',
  chromium: 'appium-chromium-driver',
  espresso: 'appium-espresso-driver',
  xcuitest: 'appium-xcuitest-driver',
  safari: 'appium-safari-driver',
  gecko: 'appium-geckodriver',
};

export interface AppiumInstall {
  /** Appium's entry script (node_modules/appium/index.js). */
  entry: string;
  version: string;
  /** Where Appium looks for drivers: APPIUM_HOME, else the project that depends on appium. */
  home: string;
}

/** Finds Appium in the project's dependencies; null when it is not installed. */
export function findAppium(env: NodeJS.ProcessEnv = process.env): AppiumInstall | null {
  let packageJson: string;
  try {
    packageJson = require.resolve('appium/package.json');
  } catch {
    return null;
  }
  const appiumDir = dirname(packageJson);
  const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  // node_modules/appium → the project folder whose package.json lists it.
  const project = resolve(appiumDir, '..', '..');
  return { entry: join(appiumDir, 'index.js'), version, home: env.APPIUM_HOME ? resolve(env.APPIUM_HOME) : project };
}

/** Packages an Appium home's package.json lists (dependencies of every kind). */
function listedDependencies(home: string): Set<string> {
  const manifest = join(home, 'package.json');
  if (!existsSync(manifest)) return new Set();
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, Record<string, string> | undefined>;
  return new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
}

/** Drivers installed in an Appium home, by lower-case automationName → npm package. */
export function installedDrivers(home: string): Map<string, string> {
  const drivers = new Map<string, string>();
  for (const name of listedDependencies(home)) {
    const file = join(home, 'node_modules', name, 'package.json');
    if (!existsSync(file)) continue;
    const info = JSON.parse(readFileSync(file, 'utf8')) as { appium?: { automationName?: string; driverName?: string } };
    if (info.appium?.automationName && info.appium.driverName) drivers.set(info.appium.automationName.toLowerCase(), name);
  }
  return drivers;
}

/**
 * The driver name Appium knows the installed driver for `automationName` by
 * (its package.json's `appium.driverName`: `uiautomator2`, `chromium`), or
 * undefined when none is installed.
 */
export function installedDriverName(automationName: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const appium = findAppium(env);
  const name = appium && installedDrivers(appium.home).get(automationName.toLowerCase());
  if (!appium || !name) return undefined;
  const info = JSON.parse(readFileSync(join(appium.home, 'node_modules', name, 'package.json'), 'utf8')) as { appium?: { driverName?: string } };
  return info.appium?.driverName;
}

/**
 * Why sessions with `automationName` cannot start on a harness-started
 * server, with the command that fixes it; null when they can.
 */
export function driverProblem(automationName: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const appium = findAppium(env);
  const wanted = DRIVER_PACKAGES[automationName.toLowerCase()];
  if (!appium) {
    return `Appium is not installed in this project: npm install --save-optional appium${wanted ? ` ${wanted}` : ''} (or point --appium-url at a running server)`;
  }
  if (installedDrivers(appium.home).has(automationName.toLowerCase())) return null;
  // Listed but absent: an optional dependency that `npm ci` skipped or that was installed with --omit=optional.
  const listed = wanted !== undefined && listedDependencies(appium.home).has(wanted);
  const install = listed
    ? `npm install (${wanted} is an optional dependency of this project that did not install)`
    : wanted
      ? `npm install --save-optional ${wanted} (Appium then finds it through package.json)`
      : `install the Appium driver for automationName "${automationName}"`;
  return `Appium's ${automationName} driver is not installed in ${appium.home}: ${install}, or point --appium-url at a server that has it`;
}

export interface AppiumServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** False once the process exited (stopped, or crashed). */
  readonly running: boolean;
  stop(): Promise<void>;
}

export interface StartAppiumOptions {
  log: Logger;
  /** Default: a free port. */
  port?: number;
  /** `--allow-insecure` features, e.g. `uiautomator2:chromedriver_autodownload`. */
  allowInsecure?: string[];
  /**
   * The drivers to load (`--use-drivers`, by driver name): the one the run's
   * sessions use. Default: every driver installed, which Appium loads at its
   * start (UiAutomator2 alone was ~1.4 CPU s of a start with two).
   */
  drivers?: string[];
  /** Bounds (config `timeouts.android`): becoming ready, one `/status` check, ending on SIGINT. Default: the config's defaults. */
  timeouts?: Pick<Timeouts['android'], 'appiumStartMs' | 'appiumStatusMs' | 'appiumStopMs'>;
  env?: NodeJS.ProcessEnv;
  /** The run's ledger (./run-ledger.ts): the server is written there while it runs, so a run killed with kill -9 does not leave it unnoticed. */
  ledger?: RunLedger;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts Appium on loopback and waits until `/status` says it is ready. */
export async function startAppiumServer(options: StartAppiumOptions): Promise<AppiumServer> {
  const env = options.env ?? process.env;
  const appium = findAppium(env);
  if (!appium) throw new Error('Appium is not installed in this project: npm install --save-optional appium appium-uiautomator2-driver, or pass --appium-url');
  const port = options.port ?? (await freePort());
  const args = [appium.entry, '--address', '127.0.0.1', '--port', String(port), '--log-level', 'info', '--log-no-colors'];
  if (options.allowInsecure?.length) args.push('--allow-insecure', options.allowInsecure.join(','));
  if (options.drivers?.length) args.push('--use-drivers', options.drivers.join(','));
  // Its own process group: a Ctrl-C in the terminal reaches the harness only, which ends the sessions and
  // then stops Appium (harness/interrupt.ts); in the group, Appium would quit under the sessions first.
  const child = spawn(process.execPath, args, { cwd: appium.home, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  // Outside the group it would also outlive a harness that exits at once (a second Ctrl-C, an uncaught
  // exception): stop it then, with the chromedriver it started (its group). A kill -9 of the harness runs no
  // listener at all: the ledger names the server for the next run to stop (./leftovers.ts).
  const killOnExit = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  process.on('exit', killOnExit);
  const identity = child.pid !== undefined ? processIdentity(child.pid) : undefined;
  const entry: Setup | undefined = identity ? { kind: 'appium', process: identity } : undefined;
  if (entry) options.ledger?.add(entry);
  child.once('exit', () => {
    process.off('exit', killOnExit);
    if (entry) options.ledger?.remove(entry);
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      options.log.debug(`[appium] ${line}`);
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}/`;
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS.android;
  const stop = () => stopChild(child, exited, timeouts.appiumStopMs);
  const deadline = Date.now() + timeouts.appiumStartMs;
  let ready = false;
  while (!ready) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Appium ${appium.version} exited while starting (code ${child.exitCode ?? child.signalCode}):\n  ${tail.slice(-10).join('\n  ')}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Appium did not become ready on ${url} within ${Math.round(timeouts.appiumStartMs / 1000)} s:\n  ${tail.slice(-10).join('\n  ')}`);
    }
    ready = await fetch(`${url}status`, { signal: AbortSignal.timeout(timeouts.appiumStatusMs) })
      .then(async (response) => response.ok && ((await response.json()) as { value?: { ready?: boolean } }).value?.ready !== false)
      .catch(() => false);
    if (!ready) await new Promise((wait) => setTimeout(wait, 150));
  }
  options.log.debug(`Appium ${appium.version} ready on ${url} (drivers from ${appium.home})`);
  return {
    url,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    stop,
  };
}

/** SIGINT lets Appium end its sessions; SIGKILL after `killAfterMs` if it does not. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>, killAfterMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}
