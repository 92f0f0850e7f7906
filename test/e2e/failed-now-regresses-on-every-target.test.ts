/**
 * A job measured in the baseline that fails now is a regression (exit 1),
 * however early it fails and on every target kind: its failure carries the
 * very key its measurement had. Three runs of the tiny model on the Node
 * target, Chromium and a fake phone (the fake adb, its Chrome a desktop
 * Chromium over CDP, a stand-in benchmark_model): a good baseline; one where
 * every job fails before its runtime starts (a Node target that throws, a
 * browser target that cannot prepare, a phone unplugged after discovery);
 * one where they fail later (the Mobile model's weights broken, the phone's
 * Chrome opening no DevTools socket, benchmark_model unable to read the model).
 * tfjs-wasm keys carry the threads and SIMD a browser gives it, the keys an
 * early failure used to leave out. The runs share one Node target (probed
 * once) and one browser target (one Chromium): each run keys and measures
 * anew, which is the point, not how often a target is found or launched.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../harness/cli.ts';
import { parseConfig, type BenchConfig } from '../../harness/core/config.ts';
import { liteModelPath } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { keyId, measurementId, type MeasurementKey, type RunRecord } from '../../harness/core/record.ts';
import { runBenchmarks, type RunOptions } from '../../harness/run.ts';
import { compareRecords } from '../../reports/compare.ts';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import type { Target } from '../../targets/types.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { fakeAdb, fakeBenchmarkBinary, PIXEL_7, standInChrome, type FakeAdb, type FakePhone } from '../fixtures/fake-adb/fake-device.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { nodeTargetProbedOnce } from '../helpers/node-target-once.ts';
import { pageOut } from '../helpers/page-bundle.ts';

let out: string;
let tiny: TinyArtifact;
let binary: string;
const phones: FakeAdb[] = [];

before(async () => {
  out = await pageOut('failed-now');
  tiny = await makeTinyArtifact(out, { images: 3 });
  // The phone's benchmark_model is a stand-in that never reads the model: any bytes make the Lite artifact.
  const lite = liteModelPath(out, tiny.model, 'float32');
  await mkdir(dirname(lite), { recursive: true });
  await writeFile(lite, 'TFL3 stand-in');
  binary = await fakeBenchmarkBinary(out);
});

after(async () => {
  for (const phone of phones) phone.killChrome(PIXEL_7.serial, 'SIGTERM');
  await rm(out, { recursive: true, force: true });
});

const config: BenchConfig = {
  models: ['tiny'],
  run: { targets: ['node', 'browser', 'android'], backends: ['tfjs-wasm', 'tflite-benchmark-model'], warmupIterations: 1, minSamples: 5, minTimeMs: 0, maxTimeMs: 5000, rounds: 1 },
  android: { driver: 'cdp', cooldown: { enabled: false } },
  // Chromium alone: Firefox and WebKit, where installed, would add their own browser/tfjs-wasm keys.
  browser: { browsers: ['chromium'] },
};

interface Sabotage {
  node?: (target: Target) => Target;
  browser?: (target: Target) => Target;
  android?: (target: Target, adb: FakeAdb) => Target;
}

// One Node target for the three runs, its runtimes probed on the first (node-target-once.ts): what a run keys and
// measures is the point here, not the Node target's discovery, and each probe is a worker of its own.
const nodeTarget = nodeTargetProbedOnce().node!;

// One browser target likewise: found on the first run, its Chromium launched once and closed after the last
// (each job still gets a fresh page, a new context with cold caches); a launch per run keyed nothing differently.
const browserTarget = createBrowserTarget();
let browserFound: ReturnType<Target['discover']> | undefined;
const sharedBrowser: Target = { ...browserTarget, discover: (context) => (browserFound ??= browserTarget.discover(context)), dispose: async () => {} };
after(() => browserTarget.dispose?.());

/** One `bench run` on the three targets with the fake phone `phone`, each target changed by `sabotage`. */
async function run(phone: FakePhone, sabotage: Sabotage = {}, devtoolsSocketMs?: number): Promise<RunRecord> {
  const adb = await fakeAdb([phone]);
  phones.push(adb);
  const same = (target: Target) => target;
  const targets: RunOptions['targets'] = {
    node: async () => (sabotage.node ?? same)(await nodeTarget()),
    browser: async () => (sabotage.browser ?? same)(sharedBrowser),
    // The fake adb in this process: the adb process is the route's own tests' (android-cdp-route, android-native);
    // here a Node start per call (a dozen at discovery, more around every job) only slowed all three runs.
    android: async () => (sabotage.android ?? same)(createAndroidTarget({ adb: inProcessAdb(adb) }), adb),
  };
  // Generous bounds on the stand-in Chrome starting and answering: two loaded cores start it slowly.
  const timeouts = { android: { cdpConnectMs: 120_000, ...(devtoolsSocketMs ? { devtoolsSocketMs } : { devtoolsSocketMs: 120_000 }) } };
  const resolved = parseConfig({ out, ...config, android: { ...config.android, tfliteBenchmarkBinary: binary }, timeouts });
  const { record } = await runBenchmarks({ config: resolved, log: memoryLogger(), out, targets, referenceInProcess: true });
  return record;
}

const sortedIds = (keys: MeasurementKey[]) => keys.map(keyId).sort();

/** `bench compare` in this process: its exit code, and the comparison it made. */
async function compare(baseline: RunRecord, current: RunRecord) {
  const code = await main(['compare', '--out', out, '--baseline', baseline.runId, current.runId], { stdout: () => {}, stderr: () => {} });
  const comparison = compareRecords(baseline, current, parseConfig({ out }).compare);
  if (!comparison.comparable) assert.fail(comparison.reason);
  return { code, comparison };
}

let baseline: RunRecord;

test('the baseline: every target measures, tfjs-wasm keyed with the threads and SIMD it runs with', { timeout: 300_000 }, async () => {
  baseline = await run({ ...PIXEL_7, chrome: await standInChrome() });
  assert.deepEqual(baseline.failures.map((failure) => `${keyId(failure.key)}: ${failure.error.message}`), []);
  const targets = baseline.measurements.map((measurement) => `${measurement.key.target}/${measurement.key.runtime}`).sort();
  assert.deepEqual(targets, ['android/tfjs-wasm', 'android/tflite-benchmark-model', 'browser/tfjs-wasm', 'node/tfjs-wasm']);
  for (const measurement of baseline.measurements.filter((entry) => entry.key.target !== 'node' && entry.key.runtime === 'tfjs-wasm')) {
    assert.equal(typeof measurement.key.options.threads, 'number', keyId(measurement.key));
    assert.equal(typeof measurement.key.options.simd, 'boolean', keyId(measurement.key));
  }
});

test('every job failing before its runtime starts: each failure keyed as its measurement was; compare exits 1 naming each', { timeout: 300_000 }, async () => {
  assert.ok(baseline, 'the baseline ran');
  const early = await run(
    { ...PIXEL_7, chrome: await standInChrome() },
    {
      node: (target) => ({ ...target, run: () => Promise.reject(new Error('the Node target threw')) }),
      // Nothing launched early either: a browser the run's start launched only to close unused was a Chromium start for nothing.
      browser: (target) => ({ ...target, startEarly: undefined, prepare: () => Promise.reject(new Error('the page server did not start')) }),
      // Unplugged between discovery and the first job.
      android: (target, adb) => ({
        ...target,
        prepare: async (context, devices) => {
          await target.prepare!(context, devices);
          await adb.setState(PIXEL_7.serial, 'gone');
        },
      }),
    },
  );
  assert.deepEqual(early.measurements, []);
  assert.deepEqual(early.failures.map((failure) => failure.phase), ['setup', 'setup', 'setup', 'setup']);
  assert.deepEqual(sortedIds(early.failures.map((failure) => failure.key)), sortedIds(baseline.measurements.map((measurement) => measurement.key)));
  const { code, comparison } = await compare(baseline, early);
  assert.equal(code, 1);
  assert.deepEqual(comparison.onlyInBaseline, []);
  assert.deepEqual(comparison.entries.map((entry) => entry.id).sort(), baseline.measurements.map(measurementId).sort(), 'every key of the baseline, by name');
  assert.deepEqual(comparison.entries.map((entry) => entry.verdict), ['regressed', 'regressed', 'regressed', 'regressed']);
  for (const entry of comparison.entries) assert.match(entry.reasons[0]!, /^measured in the baseline, failed now in setup: /, entry.id);
});

test('every job failing later (model load, the phone browser, benchmark_model): the same keys; compare exits 1', { timeout: 300_000 }, async () => {
  assert.ok(baseline, 'the baseline ran');
  // A weights file cut short: the Mobile model fails to load in Node and in the browser.
  const weights = join(tiny.modelJsonPath, '..', 'weights.bin');
  await copyFile(weights, `${weights}.good`);
  await writeFile(weights, Buffer.alloc(8));
  let late: RunRecord;
  try {
    // Chrome installed but nothing opens its DevTools socket; benchmark_model cannot read the model.
    late = await run({ ...PIXEL_7, benchmarkOutput: 'model-missing.txt' }, {}, 1500);
  } finally {
    await copyFile(`${weights}.good`, weights);
  }
  assert.deepEqual(late.measurements, []);
  const phases = Object.fromEntries(late.failures.map((failure) => [`${failure.key.target}/${failure.key.runtime}`, failure.phase]));
  assert.deepEqual(phases, { 'node/tfjs-wasm': 'load', 'browser/tfjs-wasm': 'load', 'android/tfjs-wasm': 'setup', 'android/tflite-benchmark-model': 'load' });
  assert.deepEqual(sortedIds(late.failures.map((failure) => failure.key)), sortedIds(baseline.measurements.map((measurement) => measurement.key)));
  const { code, comparison } = await compare(baseline, late);
  assert.equal(code, 1);
  assert.deepEqual(comparison.onlyInBaseline, []);
  assert.deepEqual(comparison.entries.map((entry) => entry.id).sort(), baseline.measurements.map(measurementId).sort(), 'every key of the baseline, by name');
  assert.equal(comparison.counts.regressed, 4);
});
