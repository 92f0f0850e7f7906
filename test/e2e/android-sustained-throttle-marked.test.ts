/**
 * Sustained mode on a phone (the CDP route on the fake adb, its Chrome a
 * desktop Chromium): the job's loop runs for the whole duration, the phone's
 * thermal status and CPU frequencies are read every second alongside, and a
 * thermal status change mid-loop is marked in the record as a throttle event
 * with the time to the first throttle.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { checkRunRecord } from '../../harness/core/record-schema.ts';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { androidContext, fakeAdb, PIXEL_7, standInChrome, tinyPageJob, withoutAppiumPrerequisites } from '../fixtures/fake-adb/fake-device.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';
import { runJob } from '../helpers/run-job.ts';

const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

test('sustained on a phone: latency per second, readings alongside, a thermal change marked', { timeout: 120_000 }, async () => {
  const out = await tempDir('android-sustained');
  const tiny = await makeTinyArtifact(out, { images: 4 });
  // The big cores drop from 2.85 GHz to 1.2 GHz once the phone is throttled.
  const adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome() }]);
  cleanups.push(() => adb.killChrome(PIXEL_7.serial, 'SIGTERM'));
  const context = androidContext(out, { run: { sustained: '4s' }, timeouts: { android: { cdpConnectMs: 90_000, devtoolsSocketMs: 60_000 } } });
  assert.equal(context.config.run.maxTimeMs, 4000, '--sustained sets the loop to its duration');
  assert.equal(context.config.run.rounds, 1);
  let heated: Promise<void> | undefined;
  const target = createAndroidTarget({
    adb: inProcessAdb(adb),
    env: withoutAppiumPrerequisites(),
    // 1.5 s into the loop the phone reports "moderate" (2).
    onPhase: (_serial, phase) => {
      if (phase === 'loop') heated = new Promise((resolve) => setTimeout(() => void adb.setThermal(PIXEL_7.serial, 2).then(resolve), 1500));
    },
  });
  const [phone] = await target.discover(context);
  await target.prepare!(context, [phone!]);
  const job = await tinyPageJob(tiny, out, phone!.device, 'tfjs-cpu', { minTimeMs: 4000, maxTimeMs: 4000, minSamples: 1 });
  const result = await runJob(target, job, context);
  await heated;
  await target.dispose!();
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
