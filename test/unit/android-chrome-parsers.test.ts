/**
 * What adb prints about Chrome on a phone, parsed: `dumpsys package` (the
 * running version, not the factory image's; installed and enabled for the
 * user), `pm list packages -d`, `/proc/net/unix` (the DevTools socket, and
 * only a listening one), `adb forward tcp:0`, `am start` errors and the
 * activity in front. Inputs are the fake adb's recorded-format outputs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { amStartError, hasAbstractSocket, parseForwardPort, parsePackageDump, parsePackageList, resumedActivity } from '../../targets/android/adb-parsers.ts';
import { FAKE_ADB_DIR } from '../fixtures/fake-adb/fake-device.ts';

const fixture = (...parts: string[]) => readFileSync(join(FAKE_ADB_DIR, ...parts), 'utf8');
const CHROME = 'com.android.chrome';

test('dumpsys package: the installed version (not the hidden factory one), installed and enabled for user 0', () => {
  const dump = fixture('profiles', 'pixel7', 'dumpsys-package-chrome.txt');
  assert.deepEqual(parsePackageDump(dump, CHROME), { versionName: '131.0.6778.39', installedForUser: true, enabledState: 0 });
  assert.deepEqual(parsePackageDump(dump.replace(/^(\s*User 0:.*)enabled=0/m, '$1enabled=3'), CHROME), { versionName: '131.0.6778.39', installedForUser: true, enabledState: 3 });
  // A system app removed for the user keeps its block, with installed=false.
  assert.equal(parsePackageDump(dump.replace(/^(\s*User 0:.*)installed=true/m, '$1installed=false'), CHROME)?.installedForUser, false);
  assert.equal(parsePackageDump(fixture('chrome', 'dumpsys-package-missing.txt'), CHROME), null);
  assert.equal(parsePackageDump(dump, 'com.chrome.beta'), null);
  assert.equal(parsePackageDump('', CHROME), null);
});

test('pm list packages: the names after package:', () => {
  const names = parsePackageList(`${fixture('profiles', 'pixel7', 'packages-disabled.txt')}package:${CHROME}\r\n`);
  assert.ok(names.has(CHROME));
  assert.ok(names.has('com.android.traceur'));
  assert.equal(names.size, 4);
  assert.equal(parsePackageList(fixture('profiles', 'pixel7', 'packages-disabled.txt')).has(CHROME), false);
});

test('/proc/net/unix: @chrome_devtools_remote listening, not a connection to it, not a WebView socket', () => {
  const base = fixture('profiles', 'pixel7', 'proc-net-unix.txt');
  assert.equal(hasAbstractSocket(base, 'chrome_devtools_remote'), false);
  assert.equal(hasAbstractSocket(base, 'webview_devtools_remote_14532'), true);
  const listening = '0000000000000000: 00000002 00000000 00010000 0001 01 91906 @chrome_devtools_remote';
  const connected = '0000000000000000: 00000003 00000000 00000000 0001 03 91907 @chrome_devtools_remote';
  assert.equal(hasAbstractSocket(`${base}${connected}\n`, 'chrome_devtools_remote'), false);
  assert.equal(hasAbstractSocket(`${base}${listening}\n${connected}\n`, 'chrome_devtools_remote'), true);
  assert.equal(hasAbstractSocket(`${base}${listening.replace('@chrome_devtools_remote', '@chrome_devtools_remote_2231')}\n`, 'chrome_devtools_remote'), false);
});

test('adb forward tcp:0 prints the port it picked', () => {
  assert.equal(parseForwardPort('39217\n'), 39217);
  assert.equal(parseForwardPort(''), undefined);
  assert.equal(parseForwardPort('error: cannot bind listener\n'), undefined);
  assert.equal(parseForwardPort('70000\n'), undefined);
});

test('am start: an Error line is a failure, Starting and Warning lines are not', () => {
  const starting = 'Starting: Intent { act=android.intent.action.VIEW dat=http://127.0.0.1:41234/... pkg=com.android.chrome }\n';
  assert.equal(amStartError(starting), undefined);
  assert.equal(amStartError(`${starting}Warning: Activity not started, intent has been delivered to currently running top-most instance.\n`), undefined);
  const unresolved = 'Error: Activity not started, unable to resolve Intent { act=android.intent.action.VIEW dat=http://127.0.0.1:41234/... flg=0x10000000 pkg=com.android.chrome }';
  assert.equal(amStartError(`${starting}${unresolved}\n`), unresolved);
  assert.equal(amStartError('Starting: Intent { cmp=com.android.chrome/.Main }\nError type 3\nError: Activity class {com.android.chrome/com.android.chrome.Main} does not exist.\n'), 'Error: Activity class {com.android.chrome/com.android.chrome.Main} does not exist.');
});

test('dumpsys activity activities: the resumed activity, Chrome or its first-run screens', () => {
  assert.equal(resumedActivity(fixture('profiles', 'pixel7', 'activities.txt')), 'com.android.chrome/org.chromium.chrome.browser.ChromeTabbedActivity');
  assert.equal(resumedActivity(fixture('chrome', 'activities-first-run.txt')), 'com.android.chrome/org.chromium.chrome.browser.firstrun.FirstRunActivity');
  // Android 9 and older: mResumedActivity, and `.Activity` short for the package's own namespace.
  assert.equal(resumedActivity('    mResumedActivity: ActivityRecord{3c9e5d2 u0 com.sec.android.app.launcher/.activities.LauncherActivity t1}\n'), 'com.sec.android.app.launcher/com.sec.android.app.launcher.activities.LauncherActivity');
  assert.equal(resumedActivity('nothing resumed\n'), undefined);
});
