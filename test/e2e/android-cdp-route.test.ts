/**
 * The CDP route on one stand-in phone: the fake adb's `am start` launches a
 * desktop Chromium standing in for the phone's Chrome, `/proc/net/unix` shows
 * its DevTools socket, `adb forward tcp:0 localabstract:chrome_devtools_remote`
 * hands back its port, and Playwright drives it over CDP. Everything else
 * (adb reverse, the page and protocol, the result read back, the phone's
 * state around the job) is the code a phone runs.
 *
 * One phone and one Chrome for the whole file, as on a real phone, whose
 * Chrome the harness leaves running between runs: each test makes its own
 * Android target and reads only the adb calls made since it began. (Three
 * files each starting the stand-in cost a Node process, a Chromium start and
 * often Playwright's first-connect retry apiece.) In order:
 *  1. a page job read back to a Measurement, on a phone whose Chrome is not running yet;
 *  2. Chrome killed mid-job: that job fails, the next one starts Chrome again;
 *     that next job is the sustained one (a page job less than a job of its own);
 *  3. sustained mode, read from that job: latency per second, readings alongside,
 *     a thermal change marked (the phone cooled again after it);
 *  4. the retrain workload through `runBenchmarks` (was android-retrain-over-cdp);
 *  5. an A/B on the phone whose B cannot load (was ab-phone-b-fails, below).
 *
 * The A/B (5): A and B go to the same page of the phone's browser, and B's
 * model cannot load there (its weights cut short) while A's loads. The phone
 * target names side B and its phase, and the verdict `bench ab` makes of that
 * (harness/ab.ts `abKeyInput`, reports/ab.ts) is a regression naming the
 * phone's key, exit 1: the same pair flow (targets/page/pair-flow.ts) as a
 * desktop browser's, behind adb, its reverse and its DevTools. The target is
 * driven directly, not through the CLI: the command would first try to make
 * B's agreement reference from the same broken file on the host (two
 * runtimes, each failing in a child process), tens of seconds that show
 * nothing about phones; the command's own handling of a failing B is
 * ab-command-verdicts' and ab-browser-page-pairs' (both through `bench ab`).
 * (A file of its own, it paid a test process and a stand-in Chrome start.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { abKeyInput, abOptions } from '../../harness/ab.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { keyId, workloadOf } from '../../harness/core/record.ts';
import { checkRunRecord } from '../../harness/core/record-schema.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { abExitCode, abVerdict } from '../../reports/ab.ts';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { keyedJob } from '../../targets/result.ts';
import type { JobResult } from '../../targets/types.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { fakeAdbServer, servedAdb, type FakeAdbServer } from '../fixtures/fake-adb/adb-server.ts';
import { androidContext, fakeAdb, PIXEL_7, standInChrome, tinyPageJob, withoutAppiumPrerequisites, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { pageOut, seedPageBundle } from '../helpers/page-bundle.ts';
import { tinyRetrainConfig, tinyRetrainFixture } from '../helpers/retrained-tiny.ts';
import { runJob } from '../helpers/run-job.ts';
import { tempDir } from '../helpers/tmp.ts';

let out: string;
let tiny: TinyArtifact;
let adb: FakeAdb;
/** adb as a process per call where the target is made with the harness's own adb (the first test): the fake's client. */
let server: FakeAdbServer;

before(async () => {
  out = await pageOut('android-cdp');
  tiny = await makeTinyArtifact(out, { images: 12 });
  adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome() }]);
  server = await fakeAdbServer();
});

after(async () => {
  adb.killChrome(PIXEL_7.serial, 'SIGTERM');
  await server.close();
});

/** The adb calls made from now on, as command lines. */
async function callsFromNow(): Promise<() => Promise<string[]>> {
  const before = (await adb.calls()).length;
  return async () => (await adb.calls()).slice(before).map((args) => args.join(' '));
}

test('CDP route: Chrome started over adb, its DevTools socket forwarded, a page job read back to a Measurement', { timeout: 120_000 }, async () => {
  const calls = await callsFromNow();
  const context = androidContext(out);
  const target = createAndroidTarget({ adb: servedAdb(adb, server), env: withoutAppiumPrerequisites() });
  const [phone] = await target.discover(context);
  assert.equal(phone!.usable, true);
  assert.equal(phone!.device.extra?.driver, 'cdp', 'auto takes CDP when Appium is not ready');
  const wasm = phone!.runtimes.find((status) => status.runtime === 'tfjs-wasm')!;
  assert.equal(wasm.available, true);
  // The Chrome version the phone's package manager reports (the fixture's), before anything is started.
  assert.equal(wasm.details?.via, 'Chrome 131.0.6778.39 over adb and DevTools (cdp)');
  assert.match(phone!.notes![0]!, /^route cdp \(in use: auto: Appium is not ready\): runs the page runtimes .* nothing to install$/);
  assert.match(phone!.notes![1]!, /^route appium: cannot run the page runtimes: .*JAVA_HOME is not set.*ANDROID_HOME is not set/);
  assert.equal((await calls()).some((call) => call.includes(' shell am start')), false, 'discovery starts nothing on the phone');

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
  const made = await calls();
  const reverse = made.find((call) => / reverse tcp:/.test(call))!;
  const port = /reverse tcp:(\d+) tcp:\1$/.exec(reverse)![1];
  assert.ok(made.includes(`-s ${PIXEL_7.serial} shell am start -a android.intent.action.VIEW -d http://127.0.0.1:${port}/index.html com.android.chrome`), 'Chrome started on the benchmark page through adb reverse');
  assert.ok(made.includes(`-s ${PIXEL_7.serial} forward tcp:0 localabstract:chrome_devtools_remote`));
  assert.ok(made.indexOf(reverse) < made.findIndex((call) => call.includes('am start')), 'the reverse rule is in place before Chrome opens the page');
  // At the end: the forward and reverse rules are gone, the harness's tabs closed, Chrome left running.
  assert.ok(made.includes(`-s ${PIXEL_7.serial} forward --remove tcp:${measuredPort}`));
  assert.ok(made.includes(`-s ${PIXEL_7.serial} reverse --remove tcp:${port}`));
  assert.deepEqual((await adb.forwards())[PIXEL_7.serial], {});
  assert.ok(adb.chromePid(PIXEL_7.serial) !== undefined, "the phone's Chrome keeps running");
  const tabs = (await (await fetch(`http://127.0.0.1:${measuredPort}/json/list`)).json()) as Array<{ type: string; url: string }>;
  assert.deepEqual(tabs.filter((tab) => tab.type === 'page' && tab.url.includes(`127.0.0.1:${port}`)), [], 'no benchmark tab left open');
});

/** The sustained job of the second test (the job after the kill) and its context: the third test reads them. */
let sustainedRun: { result: JobResult; context: ReturnType<typeof androidContext> } | undefined;

test('Chrome killed mid-job: that job fails, the next one starts Chrome again and runs', { timeout: 180_000 }, async () => {
  const calls = await callsFromNow();
  const context = androidContext(out, { android: { driver: 'cdp' } });
  let heated: Promise<void> | undefined;
  let heat = false;
  // The fake adb in this process: the first test goes through the `adb` process; here a Node start per call (the phone's state is read around every job) buys nothing.
  const target = createAndroidTarget({
    adb: inProcessAdb(adb),
    // In the sustained job, 1.5 s into the loop the phone reports "moderate" (2): the big cores drop from 2.85 GHz to 1.2 GHz.
    onPhase: (_serial, phase) => {
      if (heat && phase === 'loop') heated = new Promise((resolve) => setTimeout(() => void adb.setThermal(PIXEL_7.serial, 2).then(resolve), 1500));
    },
  });
  const [phone] = await target.discover(context);
  await target.prepare!(context, [phone!]);
  try {
    // A loop long enough to be killed in, on the Chrome the first test left running; killed once the
    // page reports that it is measuring (a Chrome killed mid-job, not one that never came up). Over CDP
    // the page pushes each phase (Playwright's exposed function), so the warm-up cannot be missed.
    const long = await tinyPageJob(tiny, out, phone!.device, 'tfjs-cpu', { minTimeMs: 90_000, maxTimeMs: 90_000, minSamples: 1_000_000 });
    const running = runJob(target, long, context);
    const deadline = Date.now() + 60_000;
    while (!context.log.lines.some((line) => line.startsWith(`${PIXEL_7.serial} `) && /: (warmup|loop)$/.test(line))) {
      assert.ok(Date.now() < deadline, `the job never reached its warm-up: ${context.log.lines.join(' | ')}`);
      await new Promise((wait) => setTimeout(wait, 100));
    }
    const firstChrome = adb.chromePid(PIXEL_7.serial);
    assert.ok(firstChrome);
    assert.equal(adb.killChrome(PIXEL_7.serial), true, "the phone's Chrome was killed");
    const started = Date.now();
    const killed = await running;
    assert.ok(Date.now() - started < 30_000, 'the failure is noticed at once, not at the job timeout');
    assert.ok(!killed.ok);
    assert.ok(['warmup', 'loop'].includes(killed.failure.phase), killed.failure.phase);
    assert.match(killed.failure.error.message, /^Chrome on Pixel 7 \(2B161JEGR04567\): the (browser went away|page crashed) during /);
    assert.equal(killed.failure.key.target, 'android');
    assert.equal(killed.failure.key.device, PIXEL_7.serial);

    // The next job on the same target: the sustained one, a 4 s loop (the third test reads its series).
    const sustainedContext = androidContext(out, { android: { driver: 'cdp' }, run: { sustained: '4s' }, timeouts: { android: { cdpConnectMs: 90_000, devtoolsSocketMs: 60_000 } } });
    heat = true;
    const next = await runJob(target, await tinyPageJob(tiny, out, phone!.device, 'tfjs-cpu', { minTimeMs: 4000, maxTimeMs: 4000, minSamples: 1 }), sustainedContext);
    await heated;
    sustainedRun = { result: next, context: sustainedContext };
    assert.ok(next.ok, next.ok ? '' : `${next.failure.phase}: ${next.failure.error.message}`);
    assert.equal(next.measurement.evaluation?.accuracy, tiny.accuracy);
    const secondChrome = adb.chromePid(PIXEL_7.serial);
    assert.ok(secondChrome && secondChrome !== firstChrome, 'a new Chrome process');
  } finally {
    await target.dispose!();
    // Cooled again: the tests after read the phone's thermal status as none.
    await adb.setThermal(PIXEL_7.serial, 0);
  }
  const starts = (await calls()).filter((call) => call.includes(' shell am start'));
  assert.equal(starts.length, 2, 'Chrome opened the page once, and started once more after it died');
});

test('sustained on a phone: latency per second, readings alongside, a thermal change marked', async () => {
  assert.ok(sustainedRun, 'the second test ran the sustained job');
  const { result, context } = sustainedRun;
  assert.equal(context.config.run.maxTimeMs, 4000, '--sustained sets the loop to its duration');
  assert.equal(context.config.run.rounds, 1);
  assert.ok(result.ok, result.ok ? '' : `${result.failure.phase}: ${result.failure.error.message}`);
  const sustained = result.measurement.sustained!;
  assert.ok(sustained, 'the record has the sustained series');
  assert.equal(sustained.deviceSource, 'adb');
  // The samples' sum: the loop's 4 s less its bookkeeping between inferences.
  assert.ok(sustained.durationS >= 3.5 && sustained.durationS <= 4.5, `loop ${sustained.durationS} s`);
  assert.ok(sustained.perSecond.length >= 4, `${sustained.perSecond.length} seconds`);
  assert.equal(sustained.perSecond.reduce((sum, second) => sum + second.inferences, 0), result.measurement.samples.length);
  assert.ok(sustained.firstP50 > 0 && sustained.lastP50 > 0);
  assert.ok(Math.abs(sustained.windowS - sustained.durationS / 2) < 0.01, 'a run under two minutes compares its halves');
  // Readings every second, with the phone's frequencies (profiles/pixel7/cpufreq.txt) and temperatures.
  const inLoop = sustained.device.filter((reading) => reading.t >= 0);
  assert.ok(inLoop.length >= 3, `${inLoop.length} readings in the loop`);
  assert.equal(inLoop[0]!.cpuMhz?.cpu7, 2850);
  assert.equal(inLoop[0]!.temperaturesC?.cpu, 38.2);
  // The change to moderate, about 1.5 s in.
  assert.equal(sustained.throttleEvents.length, 1, JSON.stringify(sustained.throttleEvents));
  assert.deepEqual({ from: sustained.throttleEvents[0]!.from, to: sustained.throttleEvents[0]!.to }, { from: 'none', to: 'moderate' });
  assert.ok(sustained.firstThrottleS! >= 1.4 && sustained.firstThrottleS! <= sustained.durationS, `first throttle at ${sustained.firstThrottleS} s`);
  assert.equal(sustained.firstThrottleS, sustained.throttleEvents[0]!.t);
  const checked = checkRunRecord(JSON.parse(JSON.stringify({ schema: 1, runId: 'sustained', startedAt: new Date().toISOString(), measurements: [result.measurement] })));
  assert.ok(checked.ok, checked.ok ? '' : checked.problem);
});

test('retrain workload on a phone over CDP: extraction, training and evaluation in its Chrome', { timeout: 300_000 }, async () => {
  // A retrained model in an out folder of its own (the tiny backbone of retrained-tiny.ts: the page's
  // retrain code is the same for mobilenet_v2, at seconds an image less). The Android target on the fake adb
  // in this process: the adb process is the first test's; here its ~25 calls were a process start each.
  const { out: retrainOut } = await tinyRetrainFixture('android-cdp-retrain');
  await seedPageBundle(retrainOut);
  const config = tinyRetrainConfig(retrainOut, {
    run: { targets: ['android'], backends: ['tfjs-wasm'] },
    android: { driver: 'cdp' },
    timeouts: { android: { cdpConnectMs: 90_000, devtoolsSocketMs: 60_000 } },
    retrainWorkload: { images: 12, steps: 30, evalImages: 18 },
  });
  const log = memoryLogger();
  const { record } = await runBenchmarks({ config, log, out: retrainOut, targets: { android: async () => createAndroidTarget({ adb: inProcessAdb(adb) }) } });
  assert.deepEqual(record.failures, [], log.lines.join('\n'));
  assert.equal(record.measurements.length, 1, log.lines.join('\n'));
  const [measured] = record.measurements;
  assert.equal(measured!.key.target, 'android');
  assert.equal(measured!.key.device, PIXEL_7.serial);
  assert.equal(workloadOf(measured!.key), 'retrain');
  assert.equal(measured!.device.extra?.driver, 'cdp');
  const retrain = measured!.retrain!;
  assert.equal(retrain.extraction.images, 12);
  assert.equal(measured!.samples.length, 30, 'one sample per training step');
  assert.equal(measured!.evaluation?.images, 18);
  assert.ok(retrain.host, "the host's accuracy travelled to the phone's page");
  assert.ok(retrain.host.accuracy >= 0.5, `the host's head learned the colours (chance is a third): ${retrain.host.accuracy}`);
  assert.ok(Math.abs(retrain.accuracy! - retrain.host.accuracy) <= retrain.host.tolerance, `accuracy ${retrain.accuracy} vs host ${retrain.host.accuracy}`);
  assert.equal(retrain.diverged, false);
  // The page's tfjs-wasm retrain, checked here only (retrain-workload-browser runs tfjs-webgl).
  assert.ok(retrain.extraction.imagesPerSecond > 0 && retrain.training.msPerStep > 0);
  assert.ok((retrain.peakRuntimeBytes ?? 0) > 0, 'tf.memory() peak kept');
  assert.equal(measured!.device.extra?.backend, 'wasm', 'the page ran the backend asked for');
  // The phone's state around the job, as for inference jobs.
  assert.equal(measured!.deviceState?.before?.thermalStatus, 'none');
  // Nothing left behind on the phone's adb: the reverse and forward rules are gone.
  assert.deepEqual((await adb.reverses())[PIXEL_7.serial] ?? [], []);
  assert.deepEqual(Object.keys((await adb.forwards())[PIXEL_7.serial] ?? {}), []);
});

test("A/B on the phone, B's model fails while A's loads: side B named, a regression naming the phone's key, exit 1", { timeout: 180_000 }, async (t) => {
  // A and B in out folders of their own: B's weights are cut short, and the pages are served from B's.
  const [b, base] = await Promise.all([pageOut('ab-phone'), tempDir('ab-phone-base')]);
  t.after(() => Promise.all([rm(b, { recursive: true, force: true }), rm(base, { recursive: true, force: true })]));
  const tinyA = await makeTinyArtifact(base);
  const tinyB = await makeTinyArtifact(b);
  const mobile = join(b, 'models', 'tiny', 'mobile');
  await truncate(join(mobile, (await readdir(mobile)).find((name) => name.endsWith('.bin'))!), 10);
  const context = androidContext(b, { android: { driver: 'cdp', cooldown: { enabled: false } }, timeouts: { android: { cdpConnectMs: 120_000, devtoolsSocketMs: 120_000 } } });
  const target = createAndroidTarget({ adb: inProcessAdb(adb), env: withoutAppiumPrerequisites() });
  const [phone] = await target.discover(context);
  assert.equal(phone?.usable, true);
  await target.prepare!(context, [phone!]);
  try {
    const a = keyedJob(target, await tinyPageJob(tinyA, base, phone!.device, 'tfjs-wasm'), context.config);
    const bJob = keyedJob(target, await tinyPageJob(tinyB, b, phone!.device, 'tfjs-wasm'), context.config);
    const result = await target.runPair!({ a, b: bJob, processes: 2, seed: 1 }, context);
    assert.ok(!result.ok, 'B cannot load');
    assert.deepEqual([result.side, result.phase], ['b', 'load'], result.error.message);
    const verdict = abVerdict([abKeyInput(keyId(bJob.key), result)], abOptions(context.config));
    const [key] = verdict.keys;
    assert.ok(key!.key.startsWith(`tiny/tfjs/float32@android:${PIXEL_7.serial}/tfjs-wasm[`), key!.key);
    assert.equal(key!.verdict, 'regressed');
    assert.match(key!.reason, /^failed on B, not on A: load failed: /);
    assert.equal(abExitCode(verdict), 1);
  } finally {
    await target.dispose!();
  }
});
