/**
 * The one sustained finish every target shares (harness/core/sustained.ts's
 * watchSustained, used by the phone's adb watch and the host's sysfs watch):
 * readings taken from the job's start are dated from its loop's start (those
 * before it negative), the note is made from the readings, and a job that
 * never reached its loop, or has no samples, gets no record.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchSustained } from '../../harness/core/sustained.ts';
import { hostSustained } from '../../targets/node/host-sustained.ts';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('readings are dated from the loop phase; the note comes from the readings', async () => {
  let reading = 0;
  const watch = watchSustained({
    read: async () => ({ cpuMhz: { cpu0: 1000 + reading++ } }),
    intervalMs: 20,
    deviceSource: 'sysfs',
    deviceNote: (readings) => `${readings.length} readings`,
  });
  await wait(70);
  watch.phase('warmup');
  watch.phase('loop');
  await wait(70);
  const record = await watch.finish([40, 40, 40, 40]);
  assert.ok(record);
  assert.equal(record.deviceSource, 'sysfs');
  assert.match(record.deviceNote ?? '', /^\d+ readings$/);
  const times = record.device.map((entry) => entry.t);
  assert.ok(times[0]! < 0, `the first reading precedes the loop: ${times.join(', ')}`);
  assert.ok(times.some((t) => t >= 0), `some reading falls in the loop: ${times.join(', ')}`);
  assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]!), 'in order');
  assert.equal(record.durationS, 0.16);
});

test('no loop phase or no samples: no record', async () => {
  const read = async () => ({});
  assert.equal(await watchSustained({ read, intervalMs: 10, deviceSource: 'adb' }).finish([5, 5]), undefined);
  const looped = watchSustained({ read, intervalMs: 10, deviceSource: 'adb' });
  looped.phase('loop');
  assert.equal(await looped.finish([]), undefined);
});

test('the host watch names what its sysfs could not read', async () => {
  const watch = hostSustained(async () => ({ cpuMhz: { cpu0: 2400 } }), 10);
  watch.phase('loop');
  await wait(30);
  const record = await watch.finish([10, 10]);
  assert.equal(record?.deviceSource, 'sysfs');
  assert.match(record?.deviceNote ?? '', /^not readable on this host: temperatures \(\/sys\/class\/thermal\/thermal_zone\*\); a host has no thermal status/);
});
