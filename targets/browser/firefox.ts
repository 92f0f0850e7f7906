/**
 * A Firefox found on this host as the BiDi page host's source
 * (targets/page/bidi-host.ts): launched headless by puppeteer-core over
 * WebDriver BiDi (Firefox's own remote agent; no geckodriver needed), closed
 * whole after anything that may have left it broken, and relaunched.
 */
import type { Browser, LaunchOptions } from 'puppeteer-core';
import { DEFAULT_TIMEOUTS } from '../../harness/core/config.ts';
import type { BidiSource } from '../page/bidi-host.ts';
import type { BrowserCandidate } from './browsers.ts';
import { commonLaunchOptions, type LaunchBrowserOptions } from './launcher.ts';

/** Puppeteer's launch options (its Firefox profile already turns off updates, telemetry and first-run pages); config `browser.args` are Chromium flags and stay out. */
export function firefoxLaunchOptions(candidate: BrowserCandidate, options: LaunchBrowserOptions = {}): LaunchOptions {
  return { browser: 'firefox', protocol: 'webDriverBiDi', ...commonLaunchOptions(candidate, options) };
}

async function launchFirefox(candidate: BrowserCandidate, options: LaunchBrowserOptions): Promise<Browser> {
  const { default: puppeteer } = await import('puppeteer-core');
  try {
    return await puppeteer.launch(firefoxLaunchOptions(candidate, options));
  } catch (error) {
    const first = ((error as Error).message ?? String(error)).split('\n').slice(0, 3).join(' ');
    throw new Error(`cannot start ${candidate.name} (${candidate.executablePath}): ${first}`, { cause: error });
  }
}

/** Closes Firefox, killing it after `timeoutMs` (config `timeouts.browser.closeMs`): a hung one must not hang the run. */
async function closeFirefox(browser: Browser | undefined, timeoutMs: number): Promise<void> {
  if (!browser) return;
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    browser.close().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolveTimeout) => {
      timer = setTimeout(() => resolveTimeout(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (!closed) browser.process()?.kill('SIGKILL');
}

export function firefoxBrowser(candidate: BrowserCandidate, launch: LaunchBrowserOptions = {}, closeTimeoutMs = DEFAULT_TIMEOUTS.browser.closeMs): BidiSource {
  return {
    name: candidate.name,
    product: 'Firefox',
    open: () => launchFirefox(candidate, launch),
    release: (browser) => closeFirefox(browser, closeTimeoutMs),
  };
}
