/**
 * Energy per inference from readings (targets/android/energy.ts), with the
 * sources and the clock passed in: the rails' idle power over the window's
 * length is taken off; the battery counts only while it discharges.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatteryPowerParse } from '../../targets/android/battery-power.ts';
import { EnergyMeter, railEnergy, type EnergySources } from '../../targets/android/energy.ts';
import type { PowerStatsParse } from '../../targets/android/power-stats.ts';

const rails = (cpu: number, gpu: number): PowerStatsParse => ({ ok: true, rails: [{ rail: 'CPU', subsystem: 'CPU(BIG)', mJ: cpu }, { rail: 'GPU', subsystem: 'GPU', mJ: gpu }] });
const battery = (status: string, currentMa = 500, voltageMv = 4000): BatteryPowerParse => ({ ok: true, sample: { status: status as 'Discharging', currentMa, voltageMv, powerMw: (currentMa * voltageMv) / 1000 } });

/** Sources answering from lists, a clock that moves only when the meter sleeps (or by `tick` per read). */
function scripted(hal: PowerStatsParse[], batteries: BatteryPowerParse[] = [], tick = 0) {
  let time = 0;
  let halCall = 0;
  let batteryCall = 0;
  const sources: EnergySources = {
    powerStats: async () => ((time += tick), hal[Math.min(halCall++, hal.length - 1)]!),
    battery: async () => ((time += tick), batteries[Math.min(batteryCall++, batteries.length - 1)]!),
  };
  // Sleeping moves the clock and yields a turn of the event loop, as a real sleep does (a sampler never starves the test).
  const sleep = async (ms: number) => {
    time += ms;
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { sources, now: () => time, sleep, advance: (ms: number) => void (time += ms) };
}

test('rails: per-rail and total mJ per inference, less idle power over the same length', () => {
  const record = railEnergy({
    idle: [{ rail: 'CPU', subsystem: 'CPU', mJ: 100 }, { rail: 'GPU', subsystem: 'GPU', mJ: 10 }],
    idleMs: 1000,
    window: [{ rail: 'CPU', subsystem: 'CPU', mJ: 2200 }, { rail: 'GPU', subsystem: 'GPU', mJ: 15 }],
    windowMs: 2000,
    inferences: 100,
    kind: 'loop',
  });
  assert.equal(record.method, 'power-stats-hal');
  if (record.method !== 'power-stats-hal') return;
  // CPU: 2200 − 100 mW·2 s = 2000 mJ; GPU: 15 − 20 → 0 (never negative).
  assert.deepEqual(record.rails.map((rail) => [rail.rail, rail.netMJ, rail.mJPerInference]), [['CPU', 2000, 20], ['GPU', 0, 0]]);
  assert.equal(record.netMJ, 2000);
  assert.equal(record.totalMJ, 2215);
  assert.equal(record.mJPerInference, 20);
  assert.deepEqual(record.idle, { durationMs: 1000, mW: 110 });
});

test('meter on rails: the idle baseline is taken before the window, then the window is read', async () => {
  const clock = scripted([rails(1000, 50), rails(1100, 60), rails(2000, 100), rails(5000, 300)]);
  const meter = new EnergyMeter(clock.sources, { idleMs: 1000, sampleMs: 100, sleep: clock.sleep, now: clock.now });
  await meter.begin();
  await meter.open();
  clock.advance(2000);
  await meter.close();
  const record = meter.result(40, 'loop');
  assert.equal(record.method, 'power-stats-hal');
  if (record.method !== 'power-stats-hal') return;
  // Idle 110 mW; window 3000 + 200 mJ in 2 s: CPU 3000 − 200 = 2800, GPU 200 − 20 = 180.
  assert.equal(record.netMJ, 2980);
  assert.equal(record.mJPerInference, 74.5);
  assert.equal(record.durationMs, 2000);
});

test('meter: a counter that runs backwards (a reset) gives no figure, with the reason', async () => {
  const clock = scripted([rails(1000, 50), rails(1100, 60), rails(2000, 100), rails(10, 300)]);
  const meter = new EnergyMeter(clock.sources, { idleMs: 1000, sampleMs: 100, sleep: clock.sleep, now: clock.now });
  await meter.begin();
  await meter.open();
  await meter.close();
  const record = meter.result(40, 'loop');
  assert.equal(record.method, 'none');
  if (record.method === 'none') assert.match(record.reason, /rail CPU ran backwards/);
});

test('meter on the battery: a charging phone is "not measured: charging"', async () => {
  const clock = scripted([{ ok: false, problem: 'no Power Stats HAL on this phone' }], [battery('Charging')]);
  const meter = new EnergyMeter(clock.sources, { idleMs: 1000, sampleMs: 100, sleep: clock.sleep, now: clock.now });
  await meter.begin();
  await meter.open();
  await meter.close();
  const record = meter.result(10, 'loop');
  assert.equal(record.method, 'none');
  if (record.method === 'none') assert.match(record.reason, /^not measured: charging/);
});

test('meter on the battery: samples through the window, mean power × time per inference', { timeout: 10_000 }, async () => {
  // Each read takes 0.3 ms of the clock: the window is a fraction of a millisecond off the duration recorded.
  const clock = scripted([{ ok: false, problem: 'no Power Stats HAL on this phone' }], [battery('Discharging'), battery('Discharging', 500), battery('Discharging', 1000)], 0.3);
  const meter = new EnergyMeter(clock.sources, { idleMs: 1000, sampleMs: 250, sleep: clock.sleep, now: clock.now });
  await meter.begin();
  await meter.open();
  // The sampler sleeps 250 ms of the fake clock between samples: let it take a few.
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  await meter.close();
  const record = meter.result(10, 'loop');
  assert.equal(record.method, 'battery');
  if (record.method !== 'battery') return;
  assert.ok(record.samples >= 2, `${record.samples} samples`);
  assert.ok(record.meanPowerMw >= 2000 && record.meanPowerMw <= 4000);
  // The record's own figures give its energy: mean power × the duration recorded, per inference.
  assert.equal(record.mJPerInference, Math.round(((record.meanPowerMw * record.durationMs) / 1000 / 10) * 1000) / 1000);
  assert.equal(record.includesIdle, true);
});

test('meter: neither source gives "none" with both reasons', async () => {
  const clock = scripted([{ ok: false, problem: 'no Power Stats HAL on this phone' }], [{ ok: false, problem: 'the battery has no current_now' }]);
  const meter = new EnergyMeter(clock.sources, { idleMs: 1000, sampleMs: 100, sleep: clock.sleep, now: clock.now });
  await meter.begin();
  const record = meter.result(10, 'loop');
  assert.deepEqual(record, { method: 'none', reason: 'no Power Stats HAL on this phone; and the battery has no current_now' });
});
