/**
 * Energy per inference on phones, through the Android target on the fake
 * adb: a phone with the Power Stats HAL gets its rails' energy over the job
 * less the idle baseline taken just before; a battery-only phone that
 * discharges gets power samples; one that is charging gets "not measured:
 * charging". benchmark_model jobs (no browser): the window is the tool's run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Measurement } from '../../harness/core/record.ts';
import { checkRunRecord } from '../../harness/core/record-schema.ts';
import { createAndroidTarget } from '../../targets/android/index.ts';
import type { JobResult } from '../../targets/types.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { androidContext, fakeAdb, fakeBenchmarkBinary, fakeTfliteArtifact, GALAXY_A51, nativeJob, PIXEL_7 } from '../fixtures/fake-adb/fake-device.ts';
import { runJob } from '../helpers/run-job.ts';

function measured(result: JobResult): Measurement {
  assert.ok(result.ok, result.ok ? '' : `job failed: ${result.failure.error.message}`);
  return result.measurement;
}

const CPU = 'S2M_VDD_CPUCL2';
const TPU = 'S7M_VDD_TPU';

test('energy per inference: rails less idle, battery samples while discharging, "not measured: charging"', async () => {
  const charging = { ...GALAXY_A51, serial: 'R58N91CHARGE', batterySysfs: [{ current_now: 900000, voltage_now: 4300000, status: 'Charging' }] };
  const adb = await fakeAdb([
    // Readings: idle start, idle end (+100 mJ CPU, +2 TPU), job start, job end (+5100 mJ CPU, +612 TPU).
    { ...PIXEL_7, benchmarkDelayMs: 300, powerStats: [{ [CPU]: 1000, [TPU]: 50 }, { [CPU]: 1100, [TPU]: 52 }, { [CPU]: 2000, [TPU]: 100 }, { [CPU]: 7100, [TPU]: 712 }] },
    { ...GALAXY_A51, benchmarkDelayMs: 600 },
    charging,
  ]);
  const binary = await fakeBenchmarkBinary(adb.dir);
  const model = await fakeTfliteArtifact(adb.dir);
  const context = androidContext(adb.dir, { android: { tfliteBenchmarkBinary: binary, energy: { enabled: true, idleMs: 200, sampleMs: 100 } } });
  const target = createAndroidTarget({ adb: inProcessAdb(adb) });
  const devices = await target.discover(context);
  await target.prepare!(context, devices);
  const device = (serial: string) => devices.find((found) => found.device.id === serial)!.device;
  const results = await Promise.all([PIXEL_7.serial, GALAXY_A51.serial, charging.serial].map((serial) => runJob(target, nativeJob(model, device(serial)), context)));
  await target.dispose!();
  const [onRails, onBattery, onCharger] = results.map(measured);

  // Rails: the tool ran 1 warm-up + 50 measured runs (xnnpack-percentiles.txt) inside the window.
  const rails = onRails!.energy!;
  assert.equal(rails.method, 'power-stats-hal');
  if (rails.method !== 'power-stats-hal') return;
  assert.equal(rails.window, 'job');
  assert.equal(rails.inferences, 51);
  const cpu = rails.rails.find((rail) => rail.rail === CPU)!;
  const tpu = rails.rails.find((rail) => rail.rail === TPU)!;
  assert.equal(cpu.subsystem, 'CPU(BIG)');
  assert.equal(cpu.mJ, 5100);
  assert.equal(tpu.mJ, 612);
  // Idle power (100 mJ and 2 mJ over the idle time) over the job's length comes off each rail.
  const idleShare = rails.durationMs / rails.idle.durationMs;
  assert.ok(Math.abs(cpu.netMJ - (5100 - 100 * idleShare)) < 0.01 * 5100, `CPU net ${cpu.netMJ} for idle share ${idleShare}`);
  assert.ok(Math.abs(tpu.netMJ - (612 - 2 * idleShare)) < 0.01 * 612);
  assert.ok(Math.abs(rails.mJPerInference - rails.netMJ / 51) < 0.001);
  // Rails the readings did not move used nothing.
  assert.equal(rails.rails.find((rail) => rail.rail === 'VSYS_PWR_DISPLAY')!.mJ, 0);
  assert.ok(Math.abs(rails.idle.mW - 102 / (rails.idle.durationMs / 1000)) < 0.01 * rails.idle.mW, JSON.stringify(rails.idle));

  // Battery, discharging (the Galaxy: -338 mA at 3.871 V, mA as Samsung prints it).
  const battery = onBattery!.energy!;
  assert.equal(battery.method, 'battery');
  if (battery.method !== 'battery') return;
  assert.ok(battery.samples >= 2, `${battery.samples} samples over ${battery.durationMs} ms: ${JSON.stringify(battery)}`);
  assert.equal(battery.meanPowerMw, 1308.398);
  assert.equal(battery.inferences, 51);
  assert.ok(Math.abs(battery.mJPerInference - (1308.398 * battery.durationMs) / 1000 / 51) < 0.01);

  // Battery, charging: nothing, with the reason.
  const none = onCharger!.energy!;
  assert.equal(none.method, 'none');
  if (none.method === 'none') assert.match(none.reason, /^not measured: charging \(battery status Charging/);

  // The record reads back with the new field.
  const record = { schema: 1, runId: 'energy', startedAt: new Date().toISOString(), measurements: [onRails, onBattery, onCharger] };
  const checked = checkRunRecord(JSON.parse(JSON.stringify(record)));
  assert.ok(checked.ok, checked.ok ? '' : checked.problem);
});
