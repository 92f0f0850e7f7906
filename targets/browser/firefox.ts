/**
 * A Firefox found on this host as the BiDi page host's source
 * (targets/page/bidi-host.ts): launched headless by puppeteer-core over
 * WebDriver BiDi (Firefox's own remote agent; no geckodriver needed), closed
 * whole after anything that may have left it broken, and relaunched. Each
 * launch gets a profile of its own, seeded with an earlier launch's first-start
 * work (firefox-profile.ts).
 */
import type { Browser, LaunchOptions } from 'puppeteer-core';
import { DEFAULT_TIMEOUTS } from '../../harness/core/config.ts';
import type { BidiSource } from '../page/bidi-host.ts';
import type { BrowserCandidate } from './browsers.ts';
import { newFirefoxProfile, type FirefoxProfile } from './firefox-profile.ts';
import { commonLaunchOptions, type LaunchBrowserOptions } from './launcher.ts';

/** Puppeteer's launch options (its Firefox profile already turns off updates, telemetry and first-run pages); config `browser.args` are Chromium flags and stay out. */
export function firefoxLaunchOptions(candidate: BrowserCandidate, options: LaunchBrowserOptions = {}): LaunchOptions {
  return { browser: 'firefox', protocol: 'webDriverBiDi', ...commonLaunchOptions(candidate, options) };
}

/** Each running browser's profile, removed when it is released. */
const profiles = new WeakMap<Browser, FirefoxProfile>();

async function launchFirefox(candidate: BrowserCandidate, options: LaunchBrowserOptions): Promise<Browser> {
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = await newFirefoxProfile(candidate);
  try {
    const browser = await puppeteer.launch({ ...firefoxLaunchOptions(candidate, options), userDataDir: profile.dir });
    profiles.set(browser, profile);
    return browser;
  } catch (error) {
    await profile.dispose(false);
    const first = ((error as Error).message ?? String(error)).split('\n').slice(0, 3).join(' ');
    throw new Error(`cannot start ${candidate.name} (${candidate.executablePath}): ${first}`, { cause: error });
  }
}

/** Closes Firefox, killing it after `timeoutMs` (config `timeouts.browser.closeMs`): a hung one must not hang the run. Its profile goes with it. */
async function closeFirefox(browser: Browser | undefined, timeoutMs: number): Promise<void> {
  if (!browser) return;
  const profile = profiles.get(browser);
  profiles.delete(browser);
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
  // Only a Firefox that shut down by itself has written its startup cache whole.
  await profile?.dispose(closed && browser.process()?.exitCode === 0);
}

export function firefoxBrowser(candidate: BrowserCandidate, launch: LaunchBrowserOptions = {}, closeTimeoutMs = DEFAULT_TIMEOUTS.browser.closeMs): BidiSource {
  return {
    name: candidate.name,
    product: 'Firefox',
    open: () => launchFirefox(candidate, launch),
    release: (browser) => closeFirefox(browser, closeTimeoutMs),
  };
}
