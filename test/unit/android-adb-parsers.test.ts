/**
 * The pure adb parsers on recorded outputs in the documented formats
 * (test/fixtures/fake-adb/profiles) and on edge cases adb really prints.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { androidPropsOf, parseBattery, parseCpuRange, parseDevices, parseGetprop, parseThermal, stateAdvice } from '../../targets/android/adb-parsers.ts';

const fixture = (...parts: string[]) => readFileSync(new URL(`../fixtures/fake-adb/${parts.join('/')}`, import.meta.url), 'utf8');

test('adb devices -l: states, long fields, daemon chatter and "no permissions"', () => {
  const text = [
    '* daemon not running; starting now at tcp:5037',
    '* daemon started successfully',
    'List of devices attached',
    '2B161JEGR04567         device usb:1-1 product:panther model:Pixel_7 device:panther transport_id:3',
    'R58N12ABCDE            unauthorized usb:1-2 transport_id:4',
    'emulator-5554          offline transport_id:5',
    '0123456789ABCDEF       no permissions (missing udev rules? user is in the plugdev group); see [http://developer.android.com/tools/device.html] usb:1-3 transport_id:6',
    '',
  ].join('\n');
  const devices = parseDevices(text);
  assert.equal(devices.length, 4);
  assert.deepEqual(devices[0], { serial: '2B161JEGR04567', state: 'device', stateText: 'device', usb: '1-1', product: 'panther', model: 'Pixel_7', device: 'panther', transportId: '3' });
  assert.equal(devices[1]!.state, 'unauthorized');
  assert.equal(devices[1]!.usb, '1-2');
  assert.equal(devices[2]!.state, 'offline');
  assert.equal(devices[3]!.state, 'no permissions');
  assert.match(devices[3]!.stateText, /^no permissions \(missing udev rules\?/);
  assert.equal(devices[3]!.usb, '1-3');
  assert.match(stateAdvice(devices[1]!), /accept the USB debugging prompt/);
  assert.match(stateAdvice(devices[2]!), /replug .*adb kill-server/);
  assert.equal(stateAdvice(devices[0]!), '');
});

test('adb devices without -l and with no device', () => {
  assert.deepEqual(parseDevices('List of devices attached\nABC\tdevice\n\n'), [{ serial: 'ABC', state: 'device', stateText: 'device' }]);
  assert.deepEqual(parseDevices('List of devices attached\n\n'), []);
});

test('getprop: Pixel 7 (ro.soc.model) and a multi-line value', () => {
  const props = parseGetprop(fixture('profiles', 'pixel7', 'getprop.txt'));
  assert.equal(props['ro.product.model'], 'Pixel 7');
  assert.equal(props['vendor.gpu.description'], 'Mali-G710\n r38p1');
  assert.deepEqual(androidPropsOf(props), { model: 'Pixel 7', manufacturer: 'Google', androidVersion: '14', sdk: 34, soc: 'GS201', socManufacturer: 'Google', abi: 'arm64-v8a' });
});

test('getprop: SoC falls back to ro.board.platform, then ro.hardware', () => {
  const a51 = androidPropsOf(parseGetprop(fixture('profiles', 'galaxy-a51', 'getprop.txt')));
  assert.equal(a51.soc, 'exynos9611');
  assert.equal(a51.model, 'SM-A515F');
  assert.equal(a51.androidVersion, '12');
  assert.equal(androidPropsOf({ 'ro.hardware': 'qcom', 'ro.board.platform': '' }).soc, 'qcom');
  assert.equal(androidPropsOf({}).soc, 'unknown');
});

test('dumpsys battery: level, power sources, temperature in tenths of a degree', () => {
  assert.deepEqual(parseBattery(fixture('profiles', 'pixel7', 'battery.txt')), { level: 87, charging: true, poweredBy: ['USB'], status: 2, temperatureC: 29.1, voltageMv: 4262 });
  const unplugged = parseBattery(fixture('profiles', 'galaxy-a51', 'battery.txt'))!;
  assert.equal(unplugged.charging, false);
  assert.equal(unplugged.level, 42);
  assert.equal(unplugged.temperatureC, 33.4);
  // A scale other than 100 is honoured.
  assert.equal(parseBattery('  level: 50\n  scale: 200\n')!.level, 25);
  assert.equal(parseBattery("Can't find service: battery\n"), null);
});

test('dumpsys thermalservice: status and hottest sensor per type', () => {
  const thermal = parseThermal(fixture('profiles', 'pixel7', 'thermalservice.txt'))!;
  assert.equal(thermal.status, 0);
  assert.equal(thermal.statusName, 'none');
  // From "Current temperatures from HAL", not the cached ones.
  assert.deepEqual(thermal.maxTemperatureC, { battery: 29.1, cpu: 38.2, gpu: 35.8, npu: 34.9, skin: 31.5 });
  const hot = parseThermal(fixture('profiles', 'pixel7', 'thermalservice.txt').replace('Thermal Status: 0', 'Thermal Status: 3'))!;
  assert.equal(hot.statusName, 'severe');
  assert.equal(parseThermal("Can't find service: thermalservice\n"), null);
});

test('CPU count from /sys/devices/system/cpu/present', () => {
  assert.equal(parseCpuRange('0-7\n'), 8);
  assert.equal(parseCpuRange('0-3,6-7'), 6);
  assert.equal(parseCpuRange('0'), 1);
  assert.equal(parseCpuRange('garbage'), undefined);
});
