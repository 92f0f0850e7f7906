/**
 * The retrain workload on a phone over the CDP page route, end to end
 * through `runBenchmarks`: the fake adb's phone, its Chrome a desktop
 * Chromium reached through `adb forward`, runs extraction, head training and
 * evaluation of the retrained mobilenet_v2 on a small pack, and the record
 * holds the phone's retrain numbers beside the host's accuracy. Smaller
 * packs than retrainConfig's (5 training images, 10 evaluation images, as in
 * retrain-workload-browser): what is checked is the route, not the numbers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { memoryLogger } from '../../harness/core/log.ts';
import { workloadOf } from '../../harness/core/record.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { FAKE_ADB, fakeAdb, PIXEL_7, standInChrome, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { seedPageBundle } from '../helpers/page-bundle.ts';
import { retrainConfig, retrainFixture } from '../helpers/retrain-fixture.ts';

let adb: FakeAdb;
let out: string;
const saved = process.env.FAKE_ADB_STATE;

before(async () => {
  ({ out } = await retrainFixture());
  await seedPageBundle(out);
  adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome() }]);
  // The harness makes its own adb from `android.adb`, in this process's environment.
  process.env.FAKE_ADB_STATE = adb.dir;
});

after(() => {
  adb.killChrome(PIXEL_7.serial, 'SIGTERM');
  if (saved === undefined) delete process.env.FAKE_ADB_STATE;
  else process.env.FAKE_ADB_STATE = saved;
});

test('retrain workload on a phone over CDP: extraction, training and evaluation in its Chrome', { timeout: 300_000 }, async () => {
  const config = retrainConfig(out, {
    run: { targets: ['android'], backends: ['tfjs-wasm'] },
    android: { adb: FAKE_ADB, driver: 'cdp' },
    timeouts: { android: { cdpConnectMs: 90_000, devtoolsSocketMs: 60_000 } },
    retrainWorkload: { images: 5, evalImages: 10 },
  });
  const log = memoryLogger();
  const { record } = await runBenchmarks({ config, log, out });
  assert.deepEqual(record.failures, [], log.lines.join('\n'));
  assert.equal(record.measurements.length, 1, log.lines.join('\n'));
  const [measured] = record.measurements;
  assert.equal(measured!.key.target, 'android');
  assert.equal(measured!.key.device, PIXEL_7.serial);
  assert.equal(workloadOf(measured!.key), 'retrain');
  assert.equal(measured!.device.extra?.driver, 'cdp');
  const retrain = measured!.retrain!;
  assert.equal(retrain.extraction.images, 5);
  assert.equal(measured!.samples.length, 30, 'one sample per training step');
  assert.equal(measured!.evaluation?.images, 10);
  assert.ok(retrain.host, "the host's accuracy travelled to the phone's page");
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
