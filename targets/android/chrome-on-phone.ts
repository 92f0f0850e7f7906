/**
 * Chrome on a phone, as adb sees it: installed and enabled or not (and its
 * version), starting it on a URL, its DevTools socket, and what is in front
 * when the page does not show. Each problem is one line saying what to do on
 * the phone. The CDP route (./cdp-browser.ts) is built on these.
 */
import { amStartError, hasAbstractSocket, parsePackageDump, parsePackageList, resumedActivity } from './adb-parsers.ts';
import { AdbCommandError, shellQuote, type Adb } from './adb.ts';
import { PhoneActionNeeded } from './phone-browser.ts';

export const CHROME_PACKAGE = 'com.android.chrome';
/** The abstract socket Chrome serves the DevTools protocol on while USB debugging is on. */
export const DEVTOOLS_SOCKET = 'chrome_devtools_remote';

/** Chrome ready to be driven, with its version, or why not. */
export type ChromeState = { ok: true; version: string } | { ok: false; problem: string };

/** How messages name a phone: `Pixel 7 (2B161JEGR04567)`, or the serial alone. */
export function phoneName(serial: string, model?: string): string {
  return model ? `${model} (${serial})` : serial;
}

/** Output of a shell command whether it exited 0 or not (dumpsys and am print their errors on stdout). */
async function shellOutput(adb: Adb, serial: string, command: string): Promise<string> {
  try {
    return await adb.shell(serial, command);
  } catch (error) {
    if (error instanceof AdbCommandError) return `${error.stdout}\n${error.stderr}`;
    throw error;
  }
}

/** Is Chrome installed and enabled on the phone? Two adb calls: `dumpsys package` and `pm list packages -d`. */
export async function chromeState(adb: Adb, serial: string, model?: string): Promise<ChromeState> {
  const [dump, disabled] = await Promise.all([shellOutput(adb, serial, `dumpsys package ${CHROME_PACKAGE}`), shellOutput(adb, serial, 'pm list packages -d')]);
  const name = phoneName(serial, model);
  const info = parsePackageDump(dump, CHROME_PACKAGE);
  if (!info || !info.installedForUser) return { ok: false, problem: `Chrome (${CHROME_PACKAGE}) is not installed on ${name}: install Chrome from the Play Store on the phone, open it once, then rerun` };
  // 2 disabled, 3 disabled by the user, 4 disabled until used: `pm list packages -d` lists the same ones.
  if (parsePackageList(disabled).has(CHROME_PACKAGE) || (info.enabledState !== undefined && info.enabledState >= 2)) {
    return { ok: false, problem: `Chrome is disabled on ${name}: on the phone, Settings → Apps → Chrome → Enable, open it once, then rerun` };
  }
  return { ok: true, version: info.versionName ?? 'unknown' };
}

/** `am start` Chrome on `url` (a VIEW intent for Chrome's package: a new tab if it runs already). */
export async function startChrome(adb: Adb, serial: string, url: string): Promise<void> {
  const output = await shellOutput(adb, serial, `am start -a android.intent.action.VIEW -d ${shellQuote(url)} ${CHROME_PACKAGE}`);
  const error = amStartError(output);
  if (error) throw new PhoneActionNeeded(`cannot start Chrome on ${serial} (${error}): check on the phone that Chrome is installed and enabled, then rerun`);
}

/** Whether Chrome's DevTools socket is listening on the phone now. */
export async function devtoolsSocketOpen(adb: Adb, serial: string): Promise<boolean> {
  return hasAbstractSocket(await adb.shell(serial, 'cat /proc/net/unix'), DEVTOOLS_SOCKET);
}

/** Whether Chrome's first-run screens are in front (they hold back every page until dismissed). */
export async function firstRunInFront(adb: Adb, serial: string): Promise<boolean> {
  const front = resumedActivity(await shellOutput(adb, serial, 'dumpsys activity activities'));
  return front !== undefined && front.startsWith(`${CHROME_PACKAGE}/`) && /\.firstrun\./i.test(front);
}

export function firstRunProblem(serial: string): string {
  return `Chrome on ${serial} is showing its first-run screens: on the phone, open Chrome, accept and dismiss the welcome screens, then rerun`;
}

export function socketProblem(serial: string, waitedMs: number): string {
  return `Chrome on ${serial} opened no DevTools socket (${DEVTOOLS_SOCKET}) within ${Math.round(waitedMs / 1000)} s: on the phone, check that Developer options → USB debugging is on and unlock the screen, open Chrome once, then rerun`;
}
