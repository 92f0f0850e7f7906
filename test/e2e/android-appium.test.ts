/**
 * The Appium path end to end against a real Appium server started by the
 * target from node_modules, with appium-chromium-driver and Debian's
 * chromedriver + Chromium standing in for Chrome on a phone. Only the
 * capabilities differ from a phone's: discovery (fake adb), adb reverse,
 * session start, the browser target's page and protocol, result read-back
 * and the phone's state around the job are the code a phone runs.
 *
 * The job read back to a Measurement is the one after a browser killed
 * mid-job, in the new session that follows: one page job less than a first
 * job of its own (before the kill) and the job after it, which measured the
 * same route twice.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { freePort, startAppiumServer, type AppiumServer } from '../../targets/android/appium-server.ts';
import type { DiscoveredDevice, Target } from '../../targets/types.ts';
import { artifactFor, jobFor, tinyModelFixture, type ModelFixture } from '../helpers/browser-fixture.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';
import { androidContext, fakeAdb, PIXEL_7, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { runJob } from '../helpers/run-job.ts';
import { CHROMIUM_DISABLE_FEATURES } from '../../targets/browser/launcher.ts';

/**
 * The CI stand-in for a phone: Chromium through Appium's Chromium driver, its
 * chromedriver on a port of its own (the driver's default, 9515, is shared by
 * every stand-in on the machine: two test files at once took each other's).
 */
function standInCapabilities(userDataDir: string, chromedriverPort: number) {
  return {
    platformName: 'linux',
    browserName: 'chrome',
    'appium:automationName': 'Chromium',
    'appium:executable': '/usr/bin/chromedriver',
    'appium:autodownloadEnabled': false,
    'appium:chromedriverPort': chromedriverPort,
    'goog:chromeOptions': {
      binary: '/usr/bin/chromium',
      args: ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', CHROMIUM_DISABLE_FEATURES, `--user-data-dir=${userDataDir}`],
    },
  };
}

/** Kills the stand-in browser's main process (the one with our user-data-dir and no --type). */
async function killBrowser(userDataDir: string): Promise<number> {
  let killed = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(join('/proc', pid, 'cmdline'), 'utf8').catch(() => '');
    const args = cmdline.split('\0');
    if (args.includes(`--user-data-dir=${userDataDir}`) && !args.some((arg) => arg.startsWith('--type='))) {
      process.kill(Number(pid), 'SIGKILL');
      killed += 1;
    }
  }
  return killed;
}

let out: string;
let fixture: ModelFixture;
let adb: FakeAdb;
/**
 * The tests share one harness-started Appium: the killed-browser test and the last its target and session
 * too (a second Appium, session and browser start cost this file a third of its time), the farm test reaches it by URL as it would a
 * grid's (it started its own server before, the same code as the harness's: another ~10 s).
 */
let shared: { target: Target; phone: DiscoveredDevice; context: ReturnType<typeof androidContext>; userDataDir: string; disposed: boolean };
/** Settles once the shared target's first job has started its Appium: the farm test reaches that server. */
let appiumStarted: (server: AppiumServer) => void;
const harnessAppiumStarted = new Promise<AppiumServer>((resolve) => (appiumStarted = resolve));

before(async () => {
  out = await pageOut('android-appium');
  fixture = await tinyModelFixture(out, 12);
  adb = await fakeAdb([PIXEL_7]);
  const userDataDir = await tempDir('standin-profile');
  shared = { ...(await setUp(userDataDir)), userDataDir, disposed: false };
});

after(async () => {
  if (!shared.disposed) await shared.target.dispose!();
});

async function setUp(userDataDir: string): Promise<{ target: Target; phone: DiscoveredDevice; context: ReturnType<typeof androidContext> }> {
  const context = androidContext(out, { android: { capabilities: standInCapabilities(userDataDir, await freePort()) } });
  // The fake adb in this process (the adb process is android-cdp-route's first test): a Node start per call bought nothing here.
  // The harness starts its own Appium as always; the wrapper only keeps the server, for the farm test to reach as an external one.
  const startAppium = async (options: Parameters<typeof startAppiumServer>[0]) => {
    const server = await startAppiumServer(options);
    appiumStarted(server);
    return server;
  };
  const target = createAndroidTarget({ adb: inProcessAdb(adb), startAppium });
  const [phone] = await target.discover(context);
  assert.equal(phone!.usable, true);
  await target.prepare!(context, [phone!]);
  return { target, phone: phone!, context };
}

// The killed browser and the farm side by side: each its own session and browser on the one Appium (the farm's once the first job started it), mostly waiting on them.
describe('the first session and the farm', { concurrency: 2 }, () => {
  test('the browser killed mid-job: that job fails, the next one runs in a new session, read back to a Measurement', { timeout: 240_000 }, async () => {
    const { target, phone, context, userDataDir } = shared;
    const artifact = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
    // A loop long enough to be killed in. A page busy measuring answers no poll until its loop yields, so
    // the kill comes once a poll has seen the page past setup (its model loading or later), not at a fixed
    // 5 s from the job's start: a browser killed mid-job either way.
    const long = jobFor(fixture, artifact, phone.device, 'tfjs-cpu', { kernel: { minTimeMs: 90_000, maxTimeMs: 90_000, minSamples: 1_000_000 } });
    const seen = context.log.lines.length;
    const running = runJob(target, long, context);
    // The first job of the file: Appium starts and the first session opens before its page.
    const deadline = Date.now() + 120_000;
    while (!context.log.lines.slice(seen).some((line) => line.startsWith(`${PIXEL_7.serial} `) && /: (load|first-inference|warmup|loop)$/.test(line))) {
      assert.ok(Date.now() < deadline, `the job never got past setup: ${context.log.lines.slice(seen).join(' | ')}`);
      await new Promise((wait) => setTimeout(wait, 100));
    }
    assert.equal(await killBrowser(userDataDir), 1, 'the stand-in browser was killed');
    const killed = await running;
    assert.ok(!killed.ok);
    assert.ok(['setup', 'load', 'first-inference', 'warmup', 'loop'].includes(killed.failure.phase), killed.failure.phase);
    assert.match(killed.failure.error.message, /browser went away during /);
    assert.equal(killed.failure.key.target, 'android');
    // The next job, in a new session: one job through Appium, the page and protocol, read back to a Measurement.
    const result = await runJob(target, jobFor(fixture, artifact, phone.device, 'tfjs-wasm'), context);
    assert.ok(result.ok, result.ok ? '' : `${result.failure.phase}: ${result.failure.error.message}`);
    const m = result.measurement;
    assert.equal(m.key.target, 'android');
    assert.equal(m.key.device, PIXEL_7.serial);
    assert.equal(m.key.runtime, 'tfjs-wasm');
    assert.equal(typeof m.key.options.threads, 'number');
    assert.equal(m.key.options.simd, true);
    assert.ok(m.latency.samples >= 5 && m.samples.length === m.latency.samples);
    assert.ok(m.latency.p50 > 0 && m.latency.p50 <= m.latency.p99);
    assert.ok(m.loadMs > 0 && m.firstInferenceMs > 0);
    // Accuracy on the evaluation pack and agreement with Node's reference outputs.
    assert.equal(m.evaluation?.images, 12);
    assert.equal(m.evaluation?.accuracy, fixture.nodeAccuracy);
    assert.equal(m.evaluation?.agreement?.top1, 1);
    // The phone's facts and state, and the browser the session ran.
    assert.equal(m.device.android?.model, 'Pixel 7');
    assert.equal(m.deviceState?.before?.batteryLevel, 87);
    assert.equal(m.deviceState?.after?.thermalStatus, 'none');
    assert.match(m.device.browser?.version ?? '', /^\d+\./);
    assert.match(m.device.browser?.userAgent ?? '', /Chrome\//);
    assert.equal(m.device.extra?.crossOriginIsolated, true);
    assert.equal(m.device.extra?.driver, 'appium', 'the route in the record');
  });

  test('an external Appium server (grid / farm): a phone not on this host\'s adb runs page jobs there', { timeout: 120_000 }, async () => {
    const userDataDir = await tempDir('standin-profile');
    const started = await harnessAppiumStarted;
    assert.ok(started.running, 'the first job started the harness\'s Appium');
    const noPhones = await fakeAdb([]);
    const context = androidContext(out, { android: { appiumUrl: started.url, devices: ['FARM-PIXEL-8'], capabilities: standInCapabilities(userDataDir, await freePort()) } });
    const target = createAndroidTarget({ adb: inProcessAdb(noPhones) });
    try {
      const [remote] = await target.discover(context);
      assert.equal(remote!.usable, true);
      assert.equal(remote!.device.id, 'FARM-PIXEL-8');
      assert.equal(remote!.runtimes.find((status) => status.runtime === 'tflite-benchmark-model')?.available, false);
      const artifact = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
      const result = await runJob(target, jobFor(fixture, artifact, remote!.device, 'tfjs-cpu'), context);
      assert.ok(result.ok, result.ok ? '' : `${result.failure.phase}: ${result.failure.error.message}`);
      assert.equal(result.measurement.key.device, 'FARM-PIXEL-8');
      assert.equal(result.measurement.deviceState, undefined, 'no adb, no device state');
    } finally {
      await target.dispose!();
    }
    // Nothing asked of this host's adb but the device list: no reverse, no shell.
    assert.deepEqual(await noPhones.calls(), [['devices', '-l']]);
  });
});

test('at the end, the adb reverse to the page server\'s port is removed', { timeout: 60_000 }, async () => {
  shared.disposed = true;
  await shared.target.dispose!();
  const reverse = (await adb.calls()).filter((args) => args[2] === 'reverse');
  assert.ok(reverse.length >= 2, JSON.stringify(reverse));
  assert.match(reverse[0]!.join(' '), /^-s 2B161JEGR04567 reverse tcp:(\d+) tcp:\1$/);
  assert.deepEqual(reverse.at(-1)!.slice(2, 4), ['reverse', '--remove']);
  assert.equal(reverse.at(-1)![4], reverse[0]![3]);
  assert.deepEqual((await adb.reverses())[PIXEL_7.serial] ?? [], [], 'no reverse rule left');
});
