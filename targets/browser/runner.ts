/**
 * Drives one browser found on this host through the page protocol: the
 * shared Playwright page runner (targets/page/playwright-runner.ts) with a
 * browser this target launches, a fresh context per job, and the browser
 * closed and relaunched after anything that may have left it broken.
 */
import { PlaywrightPageRunner, type BrowserSource, type PageRunnerOptions } from '../page/playwright-runner.ts';
import type { BrowserCandidate } from './browsers.ts';
import { closeBrowser, launchBrowser, type LaunchBrowserOptions } from './launcher.ts';

export type { PageHook } from '../page/playwright-runner.ts';

export interface BrowserRunnerOptions extends Omit<PageRunnerOptions, 'source'> {
  candidate: BrowserCandidate;
  launch?: LaunchBrowserOptions;
  /** Closing a browser before giving up on it (config `timeouts.browser.closeMs`). */
  closeTimeoutMs?: number;
}

/** A browser launched here: each job in a fresh context, closed with it; a broken browser is closed whole. */
export function launchedBrowser(candidate: BrowserCandidate, launch?: LaunchBrowserOptions, closeTimeoutMs?: number): BrowserSource {
  return {
    name: candidate.name,
    open: () => launchBrowser(candidate, launch),
    newPage: (browser) => browser.newPage(),
    closePage: (page) => page.context().close(),
    release: (browser) => closeBrowser(browser, closeTimeoutMs),
  };
}

export class BrowserRunner extends PlaywrightPageRunner {
  readonly candidate: BrowserCandidate;

  constructor(options: BrowserRunnerOptions) {
    const { candidate, launch, closeTimeoutMs, ...rest } = options;
    super({ ...rest, source: launchedBrowser(candidate, launch, closeTimeoutMs) });
    this.candidate = candidate;
  }
}
