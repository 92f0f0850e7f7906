/**
 * A browser found on this host as the CDP page host's BrowserSource
 * (targets/page/playwright-host.ts): launched here, a fresh context per job,
 * and closed whole (then relaunched) after anything that may have left it broken.
 */
import type { BrowserSource } from '../page/playwright-host.ts';
import type { BrowserCandidate } from './browsers.ts';
import { closeBrowser, launchBrowser, type LaunchBrowserOptions } from './launcher.ts';

export function launchedBrowser(candidate: BrowserCandidate, launch?: LaunchBrowserOptions, closeTimeoutMs?: number): BrowserSource {
  return {
    name: candidate.name,
    open: () => launchBrowser(candidate, launch),
    newPage: (browser) => browser.newPage(),
    closePage: (page) => page.context().close(),
    release: (browser) => closeBrowser(browser, closeTimeoutMs),
  };
}
