/**
 * Launching a found browser with Playwright, with the flags this kind of
 * machine needs: no sandbox when running as root, no background traffic, and
 * WebGPU on SwiftShader where there is no GPU.
 */
import type { Browser, LaunchOptions } from 'playwright-core';
import { DEFAULT_TIMEOUTS } from '../../harness/core/config.ts';
import type { BrowserCandidate } from './browsers.ts';

/** Chromium flags for a quiet, reproducible benchmark browser. */
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
];

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
    ...(candidate.engine === 'chromium' ? { args: [...CHROMIUM_FLAGS, ...(options.args ?? [])] } : {}),
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
