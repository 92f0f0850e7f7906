/**
 * Finding phones: the fake adb (test/fixtures/fake-adb) replays `devices -l`,
 * getprop, dumpsys battery/thermalservice. The first test finds it as a
 * process on PATH, as a user's adb is found; the others test which phones and
 * runtimes discovery reports, with the same fake called in process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { tempDir } from '../helpers/tmp.ts';
import type { BenchConfig } from '../../harness/core/config.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { androidContext, FAKE_ADB, FAKE_ADB_DIR, fakeAdb, fakeBenchmarkBinary, GALAXY_A51, OFFLINE, PIXEL_7, UNAUTHORIZED, withoutAppiumPrerequisites } from '../fixtures/fake-adb/fake-device.ts';

test('adb on PATH: usable phones with their facts, unauthorized and offline ones with what to do', async () => {
  const adb = await fakeAdb([PIXEL_7, UNAUTHORIZED, GALAXY_A51, OFFLINE]);
  const binary = await fakeBenchmarkBinary(adb.dir);
  const saved = { PATH: process.env.PATH, FAKE_ADB_STATE: process.env.FAKE_ADB_STATE };
  // The default config's `adb` is looked up on PATH, where the fake now comes first.
  process.env.PATH = `${FAKE_ADB_DIR}:${process.env.PATH}`;
  process.env.FAKE_ADB_STATE = adb.dir;
  try {
    const target = createAndroidTarget();
    // The Chromium driver (installed here) instead of UiAutomator2 (an optional heavy package) makes the page runtimes available.
    const android = { tfliteBenchmarkBinary: binary, capabilities: { 'appium:automationName': 'Chromium' } };
    const devices = await target.discover(androidContext(adb.dir, { android }));
    const bySerial = new Map(devices.map((found) => [found.device.id, found]));
    assert.equal(devices.length, 4);

    const pixel = bySerial.get(PIXEL_7.serial)!;
    assert.equal(pixel.usable, true);
    assert.deepEqual(pixel.device.android, {
      serial: PIXEL_7.serial,
      model: 'Pixel 7',
      androidVersion: '14',
      soc: 'GS201',
      abi: 'arm64-v8a',
      battery: { level: 87, charging: true, temperatureC: 29.1 },
      thermalStatus: 'none',
    });
    assert.equal(pixel.device.name, 'Pixel 7');
    assert.equal(pixel.device.os, 'Android 14 (SDK 34)');
    assert.equal(pixel.device.cores, 8);
    const runtimes = new Map(pixel.runtimes.map((status) => [status.runtime, status]));
    for (const name of ['tfjs-wasm', 'tfjs-webgl', 'litert-wasm', 'tflite-benchmark-model']) assert.equal(runtimes.get(name)?.available, true, `${name} available`);
    assert.equal(runtimes.get('tflite-benchmark-model')?.format, 'tflite');
    assert.equal(runtimes.get('tfjs-wasm')?.format, 'tfjs');

    const galaxy = bySerial.get(GALAXY_A51.serial)!;
    assert.equal(galaxy.device.android?.soc, 'exynos9611', 'SoC from ro.board.platform when ro.soc.model is absent');
    assert.deepEqual(galaxy.device.android?.battery, { level: 42, charging: false, temperatureC: 33.4 });

    const unauthorized = bySerial.get(UNAUTHORIZED.serial)!;
    assert.equal(unauthorized.usable, false);
    assert.match(unauthorized.reason!, /accept the USB debugging prompt on the phone/);
    const offline = bySerial.get(OFFLINE.serial)!;
    assert.equal(offline.usable, false);
    assert.match(offline.reason!, /replug .*adb kill-server/);

    // No property reads on phones that cannot answer.
    const calls = await adb.calls();
    assert.ok(!calls.some((args) => args[1] === UNAUTHORIZED.serial || args[1] === OFFLINE.serial));
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.FAKE_ADB_STATE === undefined) delete process.env.FAKE_ADB_STATE;
    else process.env.FAKE_ADB_STATE = saved.FAKE_ADB_STATE;
  }
});

test('adb missing: one unusable entry saying how to get it, no exception', async () => {
  const out = await tempDir('android-noadb');
  const target = createAndroidTarget();
  const started = performance.now();
  const devices = await target.discover(androidContext(out, { android: { adb: '/nonexistent/bin/adb' } }));
  assert.equal(devices.length, 1);
  assert.equal(devices[0]!.usable, false);
  assert.equal(devices[0]!.reason, 'adb not found: apt-get install adb, or set android.adb');
  assert.ok(performance.now() - started < 2000);
});

test('benchmark_model: missing, built for another ABI, or fine', async () => {
  const adb = await fakeAdb([PIXEL_7]);
  const x86 = await fakeBenchmarkBinary(adb.dir, 62);
  const native = async (binary?: string) => {
    const target = createAndroidTarget({ adb: inProcessAdb(adb) });
    const [found] = await target.discover(androidContext(adb.dir, { android: binary ? { tfliteBenchmarkBinary: binary } : {} }));
    return found!.runtimes.find((status) => status.runtime === 'tflite-benchmark-model')!;
  };
  const none = await native();
  assert.equal(none.available, false);
  // Where TFLite publishes the prebuilt binary for the phone's ABI, and how to pass it.
  assert.match(none.reason!, /prebuilt one for arm64-v8a, android_aarch64_benchmark_model \(https:\/\/\S+\/android_aarch64_benchmark_model,/);
  assert.match(none.reason!, /pass --tflite-benchmark-binary \.\/android_aarch64_benchmark_model/);
  const wrongAbi = await native(x86);
  assert.equal(wrongAbi.available, false);
  assert.match(wrongAbi.reason!, /built for x86_64, the phone is arm64-v8a/);
  const notElf = await native(FAKE_ADB);
  assert.match(notElf.reason!, /not an ELF executable/);
});

test('android.devices narrows to the named serials and reports one that is not attached', async () => {
  const adb = await fakeAdb([PIXEL_7, GALAXY_A51]);
  const target = createAndroidTarget({ adb: inProcessAdb(adb) });
  const devices = await target.discover(androidContext(adb.dir, { android: { devices: [GALAXY_A51.serial, 'NOTHERE123'] } }));
  assert.deepEqual(devices.map((found) => [found.device.id, found.usable]), [['NOTHERE123', false], [GALAXY_A51.serial, true]]);
  assert.match(devices[0]!.reason!, /not attached/);
});

test('auto takes CDP when Appium is not ready and Appium when a URL is given; android.driver appium says what is missing', async () => {
  const adb = await fakeAdb([PIXEL_7]);
  // An APPIUM_HOME with no drivers and no JDK or SDK: a project without appium-uiautomator2-driver, on a bare machine.
  const home = await tempDir('appium-home');
  const env = { ...withoutAppiumPrerequisites(), APPIUM_HOME: home };
  const discover = async (android: BenchConfig['android']) => {
    const target = createAndroidTarget({ adb: inProcessAdb(adb), env });
    const [found] = await target.discover(androidContext(adb.dir, { android }));
    return { found: found!, wasm: found!.runtimes.find((status) => status.runtime === 'tfjs-wasm')! };
  };

  const auto = await discover({});
  assert.equal(auto.found.device.extra?.driver, 'cdp');
  assert.equal(auto.wasm.available, true, 'Chrome is on the phone: the CDP route needs nothing else');
  assert.match(auto.found.notes![1]!, /^route appium: cannot run the page runtimes: Appium's UiAutomator2 driver is not installed .*npm install --save-optional appium-uiautomator2-driver.*; JAVA_HOME is not set .*; ANDROID_HOME is not set /);

  const explicit = await discover({ driver: 'appium' });
  assert.equal(explicit.found.device.extra?.driver, 'appium');
  assert.equal(explicit.wasm.available, false);
  assert.match(explicit.wasm.reason!, /UiAutomator2 driver is not installed .*npm install --save-optional appium-uiautomator2-driver/);
  assert.match(explicit.wasm.reason!, /JAVA_HOME is not set/);
  assert.match(explicit.wasm.reason!, /ANDROID_HOME is not set/);
  assert.match(explicit.found.notes![0]!, /^route cdp: runs the page runtimes .*Chrome 131\.0\.6778\.39/);

  // With an external server the harness cannot tell what it has, so it lets the session say.
  const viaUrl = await discover({ appiumUrl: 'http://grid.example:4444/wd/hub' });
  assert.equal(viaUrl.found.device.extra?.driver, 'appium');
  assert.equal(viaUrl.wasm.available, true);
  assert.equal(viaUrl.wasm.details?.via, 'Appium at http://grid.example:4444/wd/hub');
  assert.match(viaUrl.found.notes![1]!, /^route appium \(in use: auto: an Appium URL is given\): runs the page runtimes/);
});
