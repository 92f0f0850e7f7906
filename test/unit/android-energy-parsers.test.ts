/**
 * The energy and frequency parsers on the formats the fake adb replays (its
 * README names each format's source), and their one-line refusals of what
 * they do not read.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseBatteryPower } from '../../targets/android/battery-power.ts';
import { parseCpuFreqs } from '../../targets/android/cpufreq.ts';
import { parsePowerStats } from '../../targets/android/power-stats.ts';

const fixture = (...parts: string[]) => readFileSync(new URL(`../fixtures/fake-adb/${parts.join('/')}`, import.meta.url), 'utf8');

test('Power Stats HAL dump: every energy meter rail, in mJ, and nothing from the other tables', () => {
  const parsed = parsePowerStats(fixture('profiles', 'pixel7', 'power-stats.txt'));
  assert.ok(parsed.ok);
  assert.equal(parsed.rails.length, 8);
  assert.deepEqual(parsed.rails[0], { rail: 'S4M_VDD_CPUCL0', subsystem: 'CPU(LITTLE)', mJ: 1813125.5 });
  assert.deepEqual(parsed.rails.at(-1), { rail: 'VSYS_PWR_DISPLAY', subsystem: 'Display', mJ: 3120455 });
});

test('Power Stats HAL delta dump: the cumulative column is read, not the delta', () => {
  const text = ['============= PowerStats HAL 2.0 energy meter ==============', 'Elapsed time: 1200 ms', '                           Channel    Cumulative Energy (      Delta   )', '                 [S7M_VDD_TPU]:TPU         41020.88 mWs (         12.50)', '========== End of PowerStats HAL 2.0 energy meter =========='].join('\n');
  const parsed = parsePowerStats(text);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.rails, [{ rail: 'S7M_VDD_TPU', subsystem: 'TPU', mJ: 41020.88 }]);
});

test('Power Stats HAL: refusals are one line each', () => {
  const cases: Array<[string, RegExp]> = [
    ["Can't find service: android.hardware.power.stats.IPowerStats/default\n", /no Power Stats HAL/],
    ['\n============= PowerStats HAL 2.0 state residencies ==============\n', /no "PowerStats HAL 2.0 energy meter" table/],
    ['============= PowerStats HAL 2.0 energy meter ==============\n  [S7M_VDD_TPU]:TPU   41020.88 mWs\n', /cut off/],
    ['============= PowerStats HAL 2.0 energy meter ==============\n  [S7M_VDD_TPU]:TPU   41020.88 mJ\n========== End of PowerStats HAL 2.0 energy meter ==========\n', /a row this version does not read/],
    ['============= PowerStats HAL 2.0 energy meter ==============\n========== End of PowerStats HAL 2.0 energy meter ==========\n', /no energy meter rails/],
  ];
  for (const [text, problem] of cases) {
    const parsed = parsePowerStats(text);
    assert.equal(parsed.ok, false, text);
    if (!parsed.ok) {
      assert.match(parsed.problem, problem);
      assert.doesNotMatch(parsed.problem, /\n/);
    }
  }
});

test('battery sysfs: µA/µV and mA/mV both normalise to mA, mV and mW; the sign is dropped', () => {
  const pixel = parseBatteryPower(fixture('profiles', 'pixel7', 'battery-sysfs.txt'));
  assert.ok(pixel.ok);
  assert.deepEqual(pixel.sample, { status: 'Charging', currentMa: 1250, voltageMv: 4262, powerMw: (1250 * 4262) / 1000 });
  const galaxy = parseBatteryPower(fixture('profiles', 'galaxy-a51', 'battery-sysfs.txt'));
  assert.ok(galaxy.ok);
  assert.equal(galaxy.sample.status, 'Discharging');
  assert.equal(galaxy.sample.currentMa, 338); // mA as printed, negative: out of the battery
  assert.equal(galaxy.sample.voltageMv, 3871);
  assert.ok(Math.abs(galaxy.sample.powerMw - 1308.398) < 1e-9);
  const millivolts = parseBatteryPower('/sys/class/power_supply/battery/current_now:-412000\n/sys/class/power_supply/battery/voltage_now:3950\n/sys/class/power_supply/battery/status:Discharging\n');
  assert.ok(millivolts.ok);
  assert.deepEqual([millivolts.sample.currentMa, millivolts.sample.voltageMv], [412, 3950]);
});

test('battery sysfs: missing files, unknown status and non-numbers are refused in one line', () => {
  const missing = parseBatteryPower('grep: /sys/class/power_supply/battery/current_now: No such file or directory\n/sys/class/power_supply/battery/voltage_now:3950000\n/sys/class/power_supply/battery/status:Discharging\n');
  assert.ok(!missing.ok);
  assert.match(missing.problem, /no current_now/);
  const status = parseBatteryPower('/sys/class/power_supply/battery/current_now:1\n/sys/class/power_supply/battery/voltage_now:3950000\n/sys/class/power_supply/battery/status:Exploding\n');
  assert.ok(!status.ok);
  assert.match(status.problem, /status "Exploding"/);
  const number = parseBatteryPower('/sys/class/power_supply/battery/current_now:12.5\n/sys/class/power_supply/battery/voltage_now:3950000\n/sys/class/power_supply/battery/status:Discharging\n');
  assert.ok(!number.ok);
  assert.match(number.problem, /current_now "12.5" is not an integer/);
});

test('cpufreq: kHz per core to MHz; an offline core is left out; nothing readable is refused', () => {
  const parsed = parseCpuFreqs(fixture('profiles', 'pixel7', 'cpufreq.txt'));
  assert.ok(parsed.ok);
  assert.equal(Object.keys(parsed.mhz).length, 8);
  assert.equal(parsed.mhz.cpu0, 1803);
  assert.equal(parsed.mhz.cpu7, 2850);
  const offline = parseCpuFreqs('/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq:1803000\ngrep: /sys/devices/system/cpu/cpu1/cpufreq/scaling_cur_freq: No such file or directory\n');
  assert.ok(offline.ok);
  assert.deepEqual(offline.mhz, { cpu0: 1803 });
  const none = parseCpuFreqs("grep: /sys/devices/system/cpu/cpu*/cpufreq/scaling_cur_freq: No such file or directory\n");
  assert.ok(!none.ok);
  assert.match(none.problem, /no CPU frequency readable/);
});
