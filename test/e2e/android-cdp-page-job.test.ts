/**
 * The zero-setup route end to end: with Appium not ready, `auto` takes CDP;
 * the fake adb's `am start` launches a desktop Chromium standing in for the
 * phone's Chrome, `/proc/net/unix` shows its DevTools socket, `adb forward
 * tcp:0 localabstract:chrome_devtools_remote` hands back its port, and
 * Playwright drives it over CDP. Everything else (adb reverse, the page and
 * protocol, the result read back, the phone's state around the job) is the
 * code a phone runs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { createAdb } from '../../targets/android/adb.ts';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { androidContext, FAKE_ADB, fakeAdb, PIXEL_7, standInChrome, tinyPageJob, withoutAppiumPrerequisites, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { runJob } from '../helpers/run-job.ts';

let out: string;
let tiny: TinyArtifact;
let adb: FakeAdb;

before(async () => {
  out = await pageOut('android-cdp');
  tiny = await makeTinyArtifact(out, { images: 12 });
  adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome() }]);
});

after(() => {
  adb.killChrome(PIXEL_7.serial, 'SIGTERM');
});

test('CDP route: Chrome started over adb, its DevTools socket forwarded, a page job read back to a Measurement', { timeout: 120_000 }, async () => {
  const context = androidContext(out);
  const target = createAndroidTarget({ adb: createAdb({ executable: FAKE_ADB, env: adb.env }), env: withoutAppiumPrerequisites() });
  const [phone] = await target.discover(context);
  assert.equal(phone!.usable, true);
  assert.equal(phone!.device.extra?.driver, 'cdp', 'auto takes CDP when Appium is not ready');
  const wasm = phone!.runtimes.find((status) => status.runtime === 'tfjs-wasm')!;
  assert.equal(wasm.available, true);
  // The Chrome version the phone's package manager reports (the fixture's), before anything is started.
  assert.equal(wasm.details?.via, 'Chrome 131.0.6778.39 over adb and DevTools (cdp)');
  assert.match(phone!.notes![0]!, /^route cdp \(in use: auto: Appium is not ready\): runs the page runtimes .* nothing to install$/);
  assert.match(phone!.notes![1]!, /^route appium: cannot run the page runtimes: .*JAVA_HOME is not set.*ANDROID_HOME is not set/);
  assert.equal((await adb.calls()).some((args) => args[2] === 'shell' && args[3]!.startsWith('am start')), false, 'discovery starts nothing on the phone');

  await target.prepare!(context, [phone!]);
  let measuredPort: string;
  try {
    const result = await runJob(target, await tinyPageJob(tiny, out, phone!.device, 'tfjs-wasm'), context);
    assert.ok(result.ok, result.ok ? '' : `${result.failure.phase}: ${result.failure.error.message}`);
    const m = result.measurement;
    assert.equal(m.key.target, 'android');
    assert.equal(m.key.device, PIXEL_7.serial);
    assert.equal(m.key.runtime, 'tfjs-wasm');
    assert.equal(m.key.options.simd, true);
    assert.ok(m.latency.samples >= 5 && m.samples.length === m.latency.samples);
    assert.ok(m.latency.p50 > 0 && m.latency.p50 <= m.latency.p99);
    assert.ok(m.loadMs > 0 && m.firstInferenceMs > 0);
    // The same images and the same answers as TF.js cpu in Node gave the fixture.
    assert.equal(m.evaluation?.images, tiny.images);
    assert.equal(m.evaluation?.accuracy, tiny.accuracy);
    // The phone's facts and state, the browser the page ran in, and the route.
    assert.equal(m.device.android?.model, 'Pixel 7');
    assert.equal(m.device.android?.abi, 'arm64-v8a');
    assert.equal(m.deviceState?.before?.batteryLevel, 87);
    assert.equal(m.deviceState?.after?.thermalStatus, 'none');
    const chromium = /(\d+\.\d+\.\d+\.\d+)/.exec(execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }))![1];
    assert.equal(m.device.browser?.version, chromium, "the version Chrome's DevTools reports");
    assert.match(m.device.browser?.name ?? '', /Chrome/, "the product Chrome's /json/version names");
    assert.match(m.device.browser?.userAgent ?? '', /Chrome\//);
    assert.equal(m.device.extra?.driver, 'cdp');
    assert.equal(m.device.extra?.crossOriginIsolated, true);
    // A phone's page jobs take the phone's thread rule, as its native jobs do, and the record says so.
    assert.equal(m.device.extra?.threadsDefault, 'min(4, cores)');
    assert.equal(m.key.options.threads, Math.min(4, phone!.device.cores ?? 4), 'the key: min(4, cores) of the phone adb counted');
    measuredPort = /tcp:(\d+)/.exec(JSON.stringify(await adb.forwards()))![1]!;
  } finally {
    await target.dispose!();
  }
  const calls = (await adb.calls()).map((args) => args.join(' '));
  const reverse = calls.find((call) => / reverse tcp:/.test(call))!;
  const port = /reverse tcp:(\d+) tcp:\1$/.exec(reverse)![1];
  assert.ok(calls.includes(`-s ${PIXEL_7.serial} shell am start -a android.intent.action.VIEW -d http://127.0.0.1:${port}/index.html com.android.chrome`), 'Chrome started on the benchmark page through adb reverse');
  assert.ok(calls.includes(`-s ${PIXEL_7.serial} forward tcp:0 localabstract:chrome_devtools_remote`));
  assert.ok(calls.indexOf(reverse) < calls.findIndex((call) => call.includes('am start')), 'the reverse rule is in place before Chrome opens the page');
  // At the end: the forward and reverse rules are gone, the harness's tabs closed, Chrome left running.
  assert.ok(calls.includes(`-s ${PIXEL_7.serial} forward --remove tcp:${measuredPort}`));
  assert.ok(calls.includes(`-s ${PIXEL_7.serial} reverse --remove tcp:${port}`));
  assert.deepEqual((await adb.forwards())[PIXEL_7.serial], {});
  assert.ok(adb.chromePid(PIXEL_7.serial) !== undefined, "the phone's Chrome keeps running");
  const tabs = (await (await fetch(`http://127.0.0.1:${measuredPort}/json/list`)).json()) as Array<{ type: string; url: string }>;
  assert.deepEqual(tabs.filter((tab) => tab.type === 'page' && tab.url.includes(`127.0.0.1:${port}`)), [], 'no benchmark tab left open');
});
