/**
 * Finding browsers: a system Chromium or Chrome, Debian's Firefox ESR and
 * WebKitGTK (MiniBrowser driven by WebKitWebDriver), Playwright's own
 * installed browsers (chromium, firefox, webkit), or paths the user names.
 * Only files that exist are returned; names that match nothing come back as
 * missing, with a reason, so `bench devices` can say what to install. With
 * no browsers named, an engine with no browser at all (Firefox, WebKit) comes
 * back missing too, with the package to install.
 */
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';

export type BrowserEngine = 'chromium' | 'firefox' | 'webkit';

export interface BrowserCandidate {
  /** Short name used in device ids and `--browser`: `chromium`, `chrome`, `playwright-firefox`, … */
  name: string;
  engine: BrowserEngine;
  executablePath: string;
  source: 'system' | 'playwright' | 'config';
  /** The WebDriver server that drives it (WebKitGTK's `WebKitWebDriver`); absent for a browser driven directly. */
  driverPath?: string;
}

export interface MissingBrowser {
  name: string;
  reason: string;
}

export interface BrowserSearch {
  found: BrowserCandidate[];
  missing: MissingBrowser[];
}

/** Executable names of system Chromium-family browsers, in preference order. */
const SYSTEM_BROWSERS: { name: string; engine: BrowserEngine; executables: string[]; paths: string[] }[] = [
  {
    name: 'chromium',
    engine: 'chromium',
    executables: ['chromium', 'chromium-browser'],
    paths: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/Applications/Chromium.app/Contents/MacOS/Chromium'],
  },
  {
    name: 'chrome',
    engine: 'chromium',
    executables: ['google-chrome', 'google-chrome-stable'],
    paths: ['/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/opt/google/chrome/chrome', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
  },
  {
    name: 'firefox',
    engine: 'firefox',
    executables: ['firefox-esr', 'firefox'],
    // Looked for on PATH only, as the WebKit parts are: a PATH without them is a machine without them.
    paths: [],
  },
];

/** WebKitGTK's MiniBrowser (Debian's libwebkit2gtk), which `WebKitWebDriver` starts; the 4.1 (libsoup3) build first. */
const MINIBROWSER_PATHS = ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser', '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.0/MiniBrowser'];

/** What to install for an engine with no browser here (Debian's packages, which CI installs). */
export const ENGINE_INSTALL: Record<Exclude<BrowserEngine, 'chromium'>, string> = {
  firefox: 'apt-get install firefox-esr',
  webkit: 'apt-get install webkit2gtk-driver xvfb',
};

/** Playwright's registry, where `npx playwright install` puts its browsers. */
export type PlaywrightPaths = Partial<Record<BrowserEngine, () => string>>;

async function playwrightPaths(): Promise<PlaywrightPaths> {
  const { chromium, firefox, webkit } = await import('playwright-core');
  return { chromium: () => chromium.executablePath(), firefox: () => firefox.executablePath(), webkit: () => webkit.executablePath() };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(executable: string, pathVariable = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVariable.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, executable);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Guesses the engine of a browser given by path. */
export function engineOf(path: string): BrowserEngine {
  const name = basename(path).toLowerCase();
  if (name.includes('firefox')) return 'firefox';
  if (name.includes('webkit') || name.includes('minibrowser') || name.includes('safari')) return 'webkit';
  return 'chromium';
}

export interface FindBrowsersOptions {
  /** Names or executable paths from config/--browser; every browser found when absent. */
  wanted?: string[];
  /** Injected for tests; Playwright's registry by default. */
  playwright?: PlaywrightPaths;
  /** Extra system locations checked first (tests). */
  systemPaths?: Record<string, string[]>;
  cwd?: string;
}

export async function findBrowsers(options: FindBrowsersOptions = {}): Promise<BrowserSearch> {
  const all: BrowserCandidate[] = [];
  const seen = new Set<string>();
  const add = (candidate: BrowserCandidate) => {
    let real = candidate.executablePath;
    try {
      real = realpathSync(candidate.executablePath);
    } catch {
      // keep the path as given
    }
    if (seen.has(real)) return;
    seen.add(real);
    all.push(candidate);
  };

  for (const browser of SYSTEM_BROWSERS) {
    const paths = [...(options.systemPaths?.[browser.name] ?? []), ...browser.paths];
    const found = paths.find((path) => existsSync(path) && isExecutable(path)) ?? browser.executables.map((exe) => onPath(exe)).find(Boolean);
    if (found) add({ name: browser.name, engine: browser.engine, executablePath: found, source: 'system' });
  }
  const webkit = findWebKitGtk(options.systemPaths?.webkitgtk);
  if (webkit) add(webkit);
  const registry = options.playwright ?? (await playwrightPaths().catch(() => ({}) as PlaywrightPaths));
  for (const engine of ['chromium', 'firefox', 'webkit'] as const) {
    let path: string | undefined;
    try {
      path = registry[engine]?.();
    } catch {
      path = undefined;
    }
    if (path && existsSync(path)) add({ name: `playwright-${engine}`, engine, executablePath: path, source: 'playwright' });
  }

  if (!options.wanted || options.wanted.length === 0) {
    const engines = new Set(all.map((candidate) => candidate.engine));
    const missing = (['firefox', 'webkit'] as const).filter((engine) => !engines.has(engine)).map((engine) => ({ name: engine, reason: missingReason(engine) }));
    return { found: all, missing };
  }

  const found: BrowserCandidate[] = [];
  const missing: MissingBrowser[] = [];
  for (const wanted of options.wanted) {
    const looksLikePath = isAbsolute(wanted) || wanted.includes('/') || wanted.includes('\\');
    if (looksLikePath) {
      const path = resolve(options.cwd ?? process.cwd(), wanted);
      if (existsSync(path) && isExecutable(path)) {
        const engine = engineOf(path);
        const driverPath = engine === 'webkit' && basename(path) === 'MiniBrowser' ? onPath('WebKitWebDriver') : undefined;
        found.push({ name: basename(path).toLowerCase().replace(/[^a-z0-9]+/g, '-'), engine, executablePath: path, source: 'config', ...(driverPath ? { driverPath } : {}) });
      } else {
        missing.push({ name: wanted, reason: `no executable browser at ${path}` });
      }
      continue;
    }
    const name = wanted.toLowerCase();
    // `firefox` means Playwright's firefox (the only one Playwright can drive); `chromium` prefers the system one.
    const match = all.find((candidate) => candidate.name === name) ?? all.find((candidate) => candidate.name === `playwright-${name}`) ?? all.find((candidate) => candidate.engine === name);
    if (match) found.push(match);
    else missing.push({ name: wanted, reason: missingReason(name) });
  }
  return { found, missing };
}

/**
 * WebKitGTK: its MiniBrowser and the `WebKitWebDriver` on PATH that drives
 * it, and a display server to show it on (MiniBrowser has no headless mode):
 * `Xvfb` on PATH, or a `DISPLAY` already set.
 */
export function findWebKitGtk(extraPaths: string[] = [], env: NodeJS.ProcessEnv = process.env): BrowserCandidate | undefined {
  const browser = [...extraPaths, ...MINIBROWSER_PATHS].find((path) => existsSync(path) && isExecutable(path));
  const driver = onPath('WebKitWebDriver', env.PATH ?? '');
  const display = env.DISPLAY || onPath('Xvfb', env.PATH ?? '');
  if (!browser || !driver || !display) return undefined;
  return { name: 'webkitgtk', engine: 'webkit', executablePath: browser, driverPath: driver, source: 'system' };
}

function missingReason(name: string): string {
  if (name.includes('firefox')) return `no Firefox found (install it: ${ENGINE_INSTALL.firefox}; or Playwright's: npx playwright install firefox)`;
  if (name.includes('webkit')) return `no WebKitGTK MiniBrowser with WebKitWebDriver and Xvfb found (install them: ${ENGINE_INSTALL.webkit})`;
  if (name.includes('chrom')) return 'no Chromium or Chrome found (install one, e.g. apt-get install chromium, or give its path with --browser /path/to/chrome)';
  return `unknown browser "${name}": use chromium, chrome, firefox, webkit, playwright-chromium or an executable path`;
}

/** The files whose change may make `candidate` another browser: its executable, its driver, and what each links to. */
export async function candidateFiles(candidate: BrowserCandidate): Promise<string[]> {
  const files = [candidate.executablePath, ...(candidate.driverPath ? [candidate.driverPath] : [])];
  const targets = await Promise.all(files.map((file) => realpath(file).catch(() => file)));
  return [...new Set([...files, ...targets])];
}
