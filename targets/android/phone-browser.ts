/**
 * A browser on a phone that runs page jobs, whichever route reached it: a
 * WebDriver session through Appium (./appium-browser.ts) or Chrome driven
 * over its DevTools socket (./cdp-browser.ts). Either is the shared page host
 * (targets/page/page-host.ts); the phone adds only the route and the facts read
 * once when it opened.
 */
import type { BrowserFacts, PageHost } from '../page/index.ts';
import type { TargetContext } from '../types.ts';
import type { AndroidRoute } from './routes.ts';

export interface PhoneBrowser {
  readonly route: AndroidRoute;
  readonly host: PageHost;
  /** Name, version, capabilities and runtime statuses, read once when it opened. */
  readonly facts: BrowserFacts;
}

export interface OpenPhoneBrowserOptions {
  serial: string;
  /** The phone's model, for messages. */
  model?: string;
  /** Behind an external Appium (a grid or farm), not on this host's adb. */
  remote: boolean;
  /** The benchmark page as the phone reaches it (`http://127.0.0.1:<port>/index.html` through `adb reverse`). */
  pageUrl: string;
  context: TargetContext;
}

/** Opens a browser on a phone by one route. Throws with one line saying what to do when it cannot. */
export type OpenPhoneBrowser = (options: OpenPhoneBrowserOptions) => Promise<PhoneBrowser>;

/**
 * A problem only the person at the phone can fix (Chrome missing, disabled,
 * its first-run screens in the way, no DevTools socket): the lane fails its
 * later page jobs with it at once instead of waiting on the phone again.
 */
export class PhoneActionNeeded extends Error {
  override name = 'PhoneActionNeeded';
}
