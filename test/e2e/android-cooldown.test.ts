/**
 * Cool-down between jobs: wait until the phone's thermal status is none or
 * light, up to a maximum, then run anyway with a warning.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitForCooldown } from '../../targets/android/cooldown.ts';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { THERMAL_STATUS_NAMES } from '../../targets/android/adb-parsers.ts';
import { fakeAdbServer, servedAdb, type FakeAdbServer } from '../fixtures/fake-adb/adb-server.ts';
import { androidContext, fakeAdb, fakeBenchmarkBinary, fakeTfliteArtifact, nativeJob, PIXEL_7 } from '../fixtures/fake-adb/fake-device.ts';
import { runJob } from '../helpers/run-job.ts';

/** adb as a process per call, as the harness runs a real one: the fake's client (fake-adb/adb-server.ts). */
let server: FakeAdbServer;
before(async () => {
  server = await fakeAdbServer();
});
after(() => server.close());

const thermal = (status: number) => ({ status, statusName: THERMAL_STATUS_NAMES[status]!, maxTemperatureC: {} });

test('waits while hot, stops at light, gives up at the maximum', async () => {
  let clock = 0;
  const sleeps: number[] = [];
  const fake = { now: () => clock, sleep: async (ms: number) => void (sleeps.push(ms), (clock += ms)) };
  const statuses = [3, 2, 1];
  const cooled = await waitForCooldown({ readThermal: async () => thermal(statuses.shift() ?? 1), maxWaitMs: 60_000, pollMs: 5_000, ...fake });
  assert.deepEqual(cooled, { waitedMs: 10_000, status: 'light', cool: true });
  assert.deepEqual(sleeps, [5_000, 5_000]);

  clock = 0;
  sleeps.length = 0;
  const hot = await waitForCooldown({ readThermal: async () => thermal(4), maxWaitMs: 12_000, pollMs: 5_000, ...fake });
  assert.deepEqual(hot, { waitedMs: 12_000, status: 'critical', cool: false });
  assert.deepEqual(sleeps, [5_000, 5_000, 2_000], 'the last wait is cut to the maximum');

  const unknown = await waitForCooldown({ readThermal: async () => null, maxWaitMs: 1000, ...fake });
  assert.equal(unknown.cool, true);
});

test('through adb: the second job waits for the phone to cool and records it', async () => {
  // thermalservice calls: discovery, job 1 before and after, then the cool-down polls of job 2.
  const adb = await fakeAdb([{ ...PIXEL_7, thermalSequence: [3, 3, 3, 3, 2, 2, 1] }]);
  const binary = await fakeBenchmarkBinary(adb.dir);
  const artifact = await fakeTfliteArtifact(adb.dir);
  const context = androidContext(adb.dir, { android: { tfliteBenchmarkBinary: binary, cooldown: { enabled: true, maxWaitMs: 30_000 } } });
  const target = createAndroidTarget({ adb: servedAdb(adb, server), cooldownPollMs: 20 });
  const [phone] = await target.discover(context);
  assert.equal(phone!.device.android?.thermalStatus, 'severe');
  const first = await runJob(target, nativeJob(artifact, phone!.device), context);
  const second = await runJob(target, nativeJob(artifact, phone!.device), context);
  await target.dispose!();
  assert.ok(first.ok && second.ok);
  assert.equal(first.measurement.deviceState?.before?.thermalStatus, 'severe');
  assert.equal(first.measurement.deviceState?.before?.cooldownMs, undefined, 'no cool-down before the first job');
  assert.equal(second.measurement.deviceState?.before?.thermalStatus, 'light');
  assert.ok((second.measurement.deviceState?.before?.cooldownMs as number) >= 40, 'waited at least two polls');
  assert.equal(second.measurement.device.android?.thermalStatus, 'light');
  assert.ok(context.log.lines.some((line) => /cooled down to light/.test(line)));
});

test('through adb: a phone that stays hot runs anyway after the maximum, with a warning', async () => {
  const adb = await fakeAdb([{ ...PIXEL_7, thermalSequence: [4] }]);
  const binary = await fakeBenchmarkBinary(adb.dir);
  const artifact = await fakeTfliteArtifact(adb.dir);
  const context = androidContext(adb.dir, { android: { tfliteBenchmarkBinary: binary, cooldown: { enabled: true, maxWaitMs: 100 } } });
  const target = createAndroidTarget({ adb: servedAdb(adb, server), cooldownPollMs: 30 });
  const [phone] = await target.discover(context);
  await runJob(target, nativeJob(artifact, phone!.device), context);
  const second = await runJob(target, nativeJob(artifact, phone!.device), context);
  await target.dispose!();
  assert.ok(second.ok);
  assert.ok(context.log.lines.some((line) => /still critical after .* running anyway/.test(line)));
});
