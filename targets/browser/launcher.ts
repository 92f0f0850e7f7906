/**
 * Launching a found browser with Playwright, with the flags this kind of
 * machine needs: no sandbox when running as root, no background traffic, and
 * WebGPU on SwiftShader where there is no GPU.
 */
import type { Browser, LaunchOptions } from 'playwright-core';
import { DEFAULT_TIMEOUTS } from '../../harness/core/config.ts';
import type { BrowserCandidate } from './browsers.ts';

/**
 * Chromium features a benchmark browser runs without, each a renderer started
 * in the background beside the page measured: the address bar's WebUI popup,
 * which Chromium 156 preloads even headless (0.3–0.6 CPU s a launch here,
 * 2026-12-07), and the spare renderer Chromium keeps started for the next
 * site after each navigation (~0.15 CPU s a page here).
 */
const DISABLED_FEATURES: readonly string[] = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'SpareRendererForSitePerProcess'];

/**
 * The features Playwright 1.65's own `--disable-features` names (its
 * chromiumSwitches): Chromium reads only the last `--disable-features`, so a
 * Playwright launch passes one switch with both lists in place of Playwright's
 * (`playwrightChromiumArgs`). test/unit/chromium-flags-keep-playwright-features
 * fails when an upgraded Playwright names others.
 */
export const PLAYWRIGHT_DISABLED_FEATURES: readonly string[] = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades', 'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay', 'MediaRouter', 'PaintHolding', 'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin', 'OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch', 'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];

const disableFeatures = (features: readonly string[]) => `--disable-features=${features.join(',')}`;

/** Our features as one switch, for a launcher that merges `--disable-features` with its own (chromedriver does). */
export const CHROMIUM_DISABLE_FEATURES = disableFeatures(DISABLED_FEATURES);

/** Chromium flags for a quiet, reproducible benchmark browser, as a launcher that adds none of its own passes them (chromedriver, a phone stand-in). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  CHROMIUM_DISABLE_FEATURES,
];

/** CHROMIUM_FLAGS and `extra` for a Playwright launch: one `--disable-features` with Playwright's features and ours, Playwright's own switch left out. */
export function playwrightChromiumArgs(extra: readonly string[] = []): Pick<LaunchOptions, 'args' | 'ignoreDefaultArgs'> {
  const merged = disableFeatures([...PLAYWRIGHT_DISABLED_FEATURES, ...DISABLED_FEATURES]);
  return {
    args: [...CHROMIUM_FLAGS.map((flag) => (flag.startsWith('--disable-features=') ? merged : flag)), ...extra],
    ignoreDefaultArgs: [disableFeatures(PLAYWRIGHT_DISABLED_FEATURES)],
  };
}

export interface LaunchBrowserOptions {
  headed?: boolean;
  /** Extra Chromium flags (config `browser.args`). */
  args?: string[];
  /** Launch timeout in ms (config `timeouts.browser.launchMs`). */
  timeoutMs?: number;
}

/** What every launch here asks of its library (Playwright or puppeteer-core name these options alike). */
export function commonLaunchOptions(candidate: BrowserCandidate, options: LaunchBrowserOptions = {}) {
  return {
    executablePath: candidate.executablePath,
    headless: !options.headed,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUTS.browser.launchMs,
    // The harness alone handles Ctrl-C, SIGTERM and SIGHUP (harness/interrupt.ts). The library's own handlers
    // would close the browsers and call process.exit(130) first, leaving the record `running` and no report.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  };
}

export function launchOptionsFor(candidate: BrowserCandidate, options: LaunchBrowserOptions = {}): LaunchOptions {
  return {
    ...commonLaunchOptions(candidate, options),
    ...(candidate.engine === 'chromium' ? playwrightChromiumArgs(options.args) : {}),
  };
}

export async function launchBrowser(candidate: BrowserCandidate, options: LaunchBrowserOptions = {}): Promise<Browser> {
  const playwright = await import('playwright-core');
  const type = playwright[candidate.engine];
  try {
    return await type.launch(launchOptionsFor(candidate, options));
  } catch (error) {
    const first = ((error as Error).message ?? String(error)).split('\n').slice(0, 3).join(' ');
    throw new Error(`cannot start ${candidate.name} (${candidate.executablePath}): ${first}`, { cause: error });
  }
}

/** Closes a browser, giving up after `timeoutMs` (config `timeouts.browser.closeMs`): a hung renderer must not hang the run. */
export async function closeBrowser(browser: Browser | undefined, timeoutMs = DEFAULT_TIMEOUTS.browser.closeMs): Promise<void> {
  if (!browser) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    browser.close().catch(() => {}),
    new Promise<void>((resolveTimeout) => {
      timer = setTimeout(resolveTimeout, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
