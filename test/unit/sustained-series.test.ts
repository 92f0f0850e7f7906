/**
 * The sustained summary (harness/core/sustained.ts) on made-up samples and
 * readings with known answers, and the --sustained duration and what it
 * does to the run's settings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { summariseSustained } from '../../harness/core/sustained.ts';
import { parseDuration } from '../../harness/core/sustained-settings.ts';

test('per-second buckets by end time, first vs last window p50, throttle events and the first throttle', () => {
  // 4 s: 10 × 100 ms, then 20 × 150 ms (slower from 1 s on … the phone throttled).
  const samples = [...Array(10).fill(100), ...Array(20).fill(150)] as number[];
  const record = summariseSustained({
    samples,
    readings: [
      { t: -0.5, thermalStatus: 0, thermalName: 'none' },
      { t: 0.2, thermalStatus: 0, thermalName: 'none', cpuMhz: { cpu7: 2850 } },
      { t: 1.2, thermalStatus: 2, thermalName: 'moderate', cpuMhz: { cpu7: 1200 } },
      { t: 2.2, thermalStatus: 2, thermalName: 'moderate' },
      { t: 3.2, thermalStatus: 1, thermalName: 'light' },
      { t: 9, thermalStatus: 0, thermalName: 'none' }, // after the loop: left out
    ],
    deviceSource: 'adb',
  });
  assert.equal(record.durationS, 4);
  assert.deepEqual(record.perSecond.map((second) => [second.t, second.inferences, second.p50]), [[0, 9, 100], [1, 7, 150], [2, 7, 150], [3, 6, 150], [4, 1, 150]]);
  assert.equal(record.windowS, 2);
  assert.equal(record.firstP50, 100); // inferences that began in the first 2 s: 10 of 100 ms, 7 of 150 ms
  assert.equal(record.lastP50, 150);
  assert.deepEqual(record.throttleEvents, [{ t: 1.2, from: 'none', to: 'moderate' }, { t: 3.2, from: 'moderate', to: 'light' }]);
  assert.equal(record.firstThrottleS, 1.2);
  assert.equal(record.device.length, 5);
});

test('no thermal status: no events, no first throttle; a minute window on long runs', () => {
  const record = summariseSustained({ samples: Array(300).fill(500) as number[], readings: [{ t: 1, cpuMhz: { cpu0: 3000 } }], deviceSource: 'sysfs', deviceNote: 'a host has no thermal status' });
  assert.equal(record.durationS, 150);
  assert.equal(record.windowS, 60);
  assert.deepEqual(record.throttleEvents, []);
  assert.equal(record.firstThrottleS, null);
  assert.equal(record.deviceNote, 'a host has no thermal status');
});

test('--sustained: durations as text or ms; one round whose loop lasts that long; bad ones refused in one line', () => {
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1500'), 1500);
  assert.equal(parseDuration('ten minutes'), undefined);
  const config = parseConfig({ run: { sustained: '2m', rounds: 5 } });
  assert.deepEqual([config.run.sustained, config.run.rounds, config.run.minTimeMs, config.run.maxTimeMs, config.run.minSamples], [120_000, 1, 120_000, 120_000, 1]);
  assert.ok(config.run.jobTimeoutMs >= 120_000 + 600_000);
  assert.throws(() => parseConfig({ run: { sustained: 'forever' } }), (error: Error) => /run\.sustained: a duration such as 10m/.test(error.message) && !error.message.includes('\n'));
  assert.throws(() => parseConfig({ run: { sustained: '2d' } }), /run\.sustained/);
  assert.throws(() => parseConfig({ run: { sustained: '25h' } }), /run\.sustained \(--sustained\) must be a duration from 1 ms to 24 h/);
});
