/**
 * A phone unplugged mid-run fails its remaining jobs with a clear message;
 * the other phone and everything already measured go on. Two ways the fake
 * adb loses a phone: mid-job (benchmark_model dies mid-output) and between
 * jobs (the test flips the fake's state file). The first goes through the fake
 * `adb` process; the second, the target's own logic, calls the fake in process.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runInLanes } from '../../harness/lanes.ts';
import type { JobResult } from '../../targets/types.ts';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { fakeAdbServer, servedAdb, type FakeAdbServer } from '../fixtures/fake-adb/adb-server.ts';
import { androidContext, fakeAdb, fakeBenchmarkBinary, fakeTfliteArtifact, GALAXY_A51, nativeJob, PIXEL_7 } from '../fixtures/fake-adb/fake-device.ts';
import { runJob } from '../helpers/run-job.ts';

/** adb as a process per call, as the harness runs a real one: the fake's client (fake-adb/adb-server.ts). */
let server: FakeAdbServer;
before(async () => {
  server = await fakeAdbServer();
});
after(() => server.close());

test('unplugged mid-job: that job and the rest on the phone fail, the other phone goes on', async () => {
  const adb = await fakeAdb([{ ...PIXEL_7, vanishOnBenchmarkRun: 2 }, GALAXY_A51]);
  const binary = await fakeBenchmarkBinary(adb.dir);
  const artifact = await fakeTfliteArtifact(adb.dir);
  const context = androidContext(adb.dir, { android: { tfliteBenchmarkBinary: binary } });
  const target = createAndroidTarget({ adb: servedAdb(adb, server) });
  const devices = await target.discover(context);
  const [pixel, galaxy] = [PIXEL_7, GALAXY_A51].map((phone) => devices.find((found) => found.device.id === phone.serial)!.device);
  const jobs = [0, 1, 2].flatMap(() => [nativeJob(artifact, pixel!), nativeJob(artifact, galaxy!)]);
  const results: JobResult[] = [];
  await runInLanes(jobs.map((job, index) => ({ job, index })), ({ job }) => job.device, async ({ job, index }) => {
    results[index] = await runJob(target, job, context);
    return 'next';
  });
  await target.dispose!();

  const pixelResults = results.filter((_, index) => index % 2 === 0);
  const galaxyResults = results.filter((_, index) => index % 2 === 1);
  assert.deepEqual(galaxyResults.map((result) => result.ok), [true, true, true]);
  assert.deepEqual(pixelResults.map((result) => result.ok), [true, false, false]);
  const [, during, after] = pixelResults.map((result) => (result.ok ? null : result.failure));
  assert.equal(during!.error.name, 'DeviceDisconnectedError');
  assert.match(during!.error.message, new RegExp(`^device ${PIXEL_7.serial} disconnected`));
  assert.equal(during!.key.device, PIXEL_7.serial);
  assert.match(after!.error.message, new RegExp(`^device ${PIXEL_7.serial} disconnected`));
  assert.equal(after!.phase, 'setup');
  // The third job never reached the phone: only two benchmark runs on it.
  const pixelRuns = (await adb.runs()).filter((run) => run.serial === PIXEL_7.serial);
  assert.equal(pixelRuns.length, 2);
  // No reverse rule to remove and no call on the lost phone after it went.
  const calls = await adb.calls();
  const lastPixelCall = calls.map((args, index) => [args, index] as const).filter(([args]) => args[1] === PIXEL_7.serial).pop()!;
  assert.deepEqual(lastPixelCall[0].slice(2), ['get-state']);
});

test('unplugged between jobs (state file flipped): the next job fails at once', async () => {
  const adb = await fakeAdb([PIXEL_7, GALAXY_A51]);
  const binary = await fakeBenchmarkBinary(adb.dir);
  const artifact = await fakeTfliteArtifact(adb.dir);
  const context = androidContext(adb.dir, { android: { tfliteBenchmarkBinary: binary } });
  const target = createAndroidTarget({ adb: inProcessAdb(adb) });
  const devices = await target.discover(context);
  const galaxy = devices.find((found) => found.device.id === GALAXY_A51.serial)!.device;
  const pixel = devices.find((found) => found.device.id === PIXEL_7.serial)!.device;
  assert.ok((await runJob(target, nativeJob(artifact, galaxy), context)).ok);
  await adb.setState(GALAXY_A51.serial, 'gone');
  const lost = await runJob(target, nativeJob(artifact, galaxy), context);
  assert.ok(!lost.ok);
  assert.equal(lost.failure.phase, 'setup');
  assert.match(lost.failure.error.message, new RegExp(`device ${GALAXY_A51.serial} disconnected`));
  const again = await runJob(target, nativeJob(artifact, galaxy), context);
  assert.ok(!again.ok && /disconnected/.test(again.failure.error.message));
  assert.ok((await runJob(target, nativeJob(artifact, pixel), context)).ok, 'the other phone goes on');
  await target.dispose!();
});
