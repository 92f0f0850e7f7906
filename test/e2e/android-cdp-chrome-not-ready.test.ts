/**
 * Chrome installed but not ready to be driven on the CDP route: no DevTools
 * socket after `am start`, or its first-run screens in front of every page.
 * Each fails the page job in setup with one line saying what to do on the
 * phone, and the phone's later page jobs fail at once with the same line
 * instead of waiting on the phone again. The first-run screens are looked
 * for while the page is awaited, so that line comes within about a second,
 * not when the page's wait (a minute by default, 4 s here) runs out. The first case is the target's own
 * logic and calls the fake adb in process (a process per adb call made its
 * "at once" depend on the machine's load); the second drives a stand-in
 * Chrome through adb as a process (the fake's client, fake-adb/adb-server.ts).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { fakeAdbServer, servedAdb, type FakeAdbServer } from '../fixtures/fake-adb/adb-server.ts';
import { androidContext, fakeAdb, PIXEL_7, standInChrome, tinyPageJob, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { runJob } from '../helpers/run-job.ts';

let out: string;
let tiny: TinyArtifact;
const started: FakeAdb[] = [];
let server: FakeAdbServer;

before(async () => {
  out = await pageOut('android-cdp-not-ready');
  tiny = await makeTinyArtifact(out, { images: 3 });
  server = await fakeAdbServer();
});

after(async () => {
  for (const adb of started) adb.killChrome(PIXEL_7.serial, 'SIGTERM');
  await server.close();
});

/** Two page jobs on a phone whose Chrome is `chrome`; the adb calls they made. */
async function twoJobs(adb: FakeAdb, timeouts: { devtoolsSocketMs?: number; pageReadyMs?: number }, how: 'process' | 'in-process') {
  const context = androidContext(out, { android: { driver: 'cdp' }, timeouts: { android: timeouts } });
  const target = createAndroidTarget({ adb: how === 'process' ? servedAdb(adb, server) : inProcessAdb(adb) });
  const [phone] = await target.discover(context);
  await target.prepare!(context, [phone!]);
  try {
    const first = await runJob(target, await tinyPageJob(tiny, out, phone!.device, 'tfjs-cpu'), context);
    const startedAt = Date.now();
    const second = await runJob(target, await tinyPageJob(tiny, out, phone!.device, 'tfjs-wasm'), context);
    return { first, second, secondMs: Date.now() - startedAt, calls: (await adb.calls()).map((args) => args.join(' ')) };
  } finally {
    await target.dispose!();
  }
}

test('no DevTools socket after am start: one line, and the next page job fails at once', { timeout: 60_000 }, async () => {
  // Chrome is installed, but nothing opens its socket (no stand-in behind am start).
  const adb = await fakeAdb([PIXEL_7]);
  const { first, second, secondMs, calls } = await twoJobs(adb, { devtoolsSocketMs: 1_500 }, 'in-process');
  const line = 'Chrome on 2B161JEGR04567 opened no DevTools socket (chrome_devtools_remote) within 2 s: on the phone, check that Developer options → USB debugging is on and unlock the screen, open Chrome once, then rerun';
  for (const result of [first, second]) {
    assert.ok(!result.ok);
    assert.equal(result.failure.phase, 'setup');
    assert.equal(result.failure.error.message, line);
    assert.equal(result.failure.key.device, PIXEL_7.serial);
  }
  assert.ok(secondMs < 1_500, `the second job did not wait on the phone again (${secondMs} ms)`);
  assert.equal(calls.filter((call) => call.includes('am start')).length, 1);
  assert.ok(calls.some((call) => call.endsWith('shell dumpsys activity activities')), 'it looked at what is in front before blaming the socket');
  assert.equal(calls.some((call) => call.includes(' forward tcp:0 ')), false, 'nothing forwarded to a socket that is not there');
});

test("Chrome's first-run screens in front: one line saying to dismiss them", { timeout: 90_000 }, async () => {
  // Chrome starts and serves DevTools, but shows its welcome screens instead of the page.
  const adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome('first-run') }]);
  started.push(adb);
  const { first, second } = await twoJobs(adb, { pageReadyMs: 4_000 }, 'process');
  const line = 'Chrome on 2B161JEGR04567 is showing its first-run screens: on the phone, open Chrome, accept and dismiss the welcome screens, then rerun';
  for (const result of [first, second]) {
    assert.ok(!result.ok);
    assert.equal(result.failure.phase, 'setup');
    assert.equal(result.failure.error.message, line);
  }
  assert.ok(adb.chromePid(PIXEL_7.serial), 'Chrome itself did start');
});
