/**
 * The phone's Chrome dies mid-job on the CDP route: that job fails, naming
 * the phase it had reached, and the next job on the phone starts Chrome again
 * over adb and runs. The stand-in desktop Chromium (launched by the fake
 * adb's `am start`) is killed the way a phone kills a browser: SIGKILL.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAdb } from '../../targets/android/adb.ts';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { androidContext, FAKE_ADB, fakeAdb, PIXEL_7, standInChrome, tinyPageJob, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { runJob } from '../helpers/run-job.ts';

let out: string;
let tiny: TinyArtifact;
let adb: FakeAdb;

before(async () => {
  out = await pageOut('android-cdp-killed');
  tiny = await makeTinyArtifact(out, { images: 6 });
  adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome() }]);
});

after(() => {
  adb.killChrome(PIXEL_7.serial, 'SIGTERM');
});

test("Chrome killed mid-job: that job fails, the next one starts Chrome again and runs", { timeout: 180_000 }, async () => {
  const context = androidContext(out, { android: { driver: 'cdp' } });
  const target = createAndroidTarget({ adb: createAdb({ executable: FAKE_ADB, env: adb.env }) });
  const [phone] = await target.discover(context);
  await target.prepare!(context, [phone!]);
  try {
    // A loop long enough to be killed in, on a Chrome that this job starts; killed once the page
    // reports that it is measuring (a Chrome killed mid-job, not one that never came up). Over CDP
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

    const next = await runJob(target, await tinyPageJob(tiny, out, phone!.device, 'tfjs-cpu'), context);
    assert.ok(next.ok, next.ok ? '' : `${next.failure.phase}: ${next.failure.error.message}`);
    assert.equal(next.measurement.evaluation?.accuracy, tiny.accuracy);
    const secondChrome = adb.chromePid(PIXEL_7.serial);
    assert.ok(secondChrome && secondChrome !== firstChrome, 'a new Chrome process');
  } finally {
    await target.dispose!();
  }
  const starts = (await adb.calls()).filter((args) => args[2] === 'shell' && args[3]!.startsWith('am start'));
  assert.equal(starts.length, 2, 'Chrome started once, and once more after it died');
});
