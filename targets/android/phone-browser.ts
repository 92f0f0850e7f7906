/**
 * A browser on a phone that runs page jobs, whichever route reached it: a
 * WebDriver session through Appium (./appium-browser.ts) or Chrome driven
 * over its DevTools socket (./cdp-browser.ts). The page job
 * (./page-job.ts) sees only this.
 */
import type { JobPhase } from '../../harness/core/record.ts';
import type { PageCapabilities, PageJob, PageResult } from '../page/app/protocol.ts';
import type { RuntimeStatus, TargetContext } from '../types.ts';
import type { AndroidRoute } from './routes.ts';

export interface PhoneBrowser {
  readonly route: AndroidRoute;
  /** As the browser names itself (`Chrome`). */
  readonly name: string;
  readonly version: string;
  /** False once it cannot run another job; the lane then opens a new one. */
  readonly alive: boolean;
  /** What the page reported about the browser, read once when it opened. */
  readonly caps: PageCapabilities;
  /** Each page runtime available in it or not, from `caps`. */
  readonly statuses: RuntimeStatus[];
  /** Never rejects: a lost browser or a timeout is a failed PageResult. */
  run(job: PageJob, options: PhoneRunOptions): Promise<PageResult>;
  close(): Promise<void>;
}

export interface PhoneRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called when the page reports a new phase (for progress, and tests). */
  onPhase?: (phase: JobPhase) => void;
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
