/**
 * Chrome missing or disabled on a phone, as its package manager reports it
 * (`dumpsys package com.android.chrome`, `pm list packages -d`): the page
 * runtimes are unavailable with one line saying what to do on the phone,
 * `bench run` prints that line once per phone, and benchmark_model is still
 * offered. Nothing is started on the phone to find this out.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { PAGE_RUNTIMES } from '../../targets/page/app/protocol.ts';
import { fakeAdbServer, servedAdb, type FakeAdbServer } from '../fixtures/fake-adb/adb-server.ts';
import { androidContext, fakeAdb, fakeBenchmarkBinary, GALAXY_A51, PIXEL_7 } from '../fixtures/fake-adb/fake-device.ts';

/** adb as a process per call, as the harness runs a real one: the fake's client (fake-adb/adb-server.ts). */
let server: FakeAdbServer;
before(async () => {
  server = await fakeAdbServer();
});
after(() => server.close());

test('Chrome missing on one phone and disabled on another: one line each saying what to do on the phone', async () => {
  const adb = await fakeAdb([
    { ...PIXEL_7, chrome: { state: 'missing' } },
    { ...GALAXY_A51, chrome: { state: 'disabled' } },
  ]);
  const binary = await fakeBenchmarkBinary(adb.dir);
  const context = androidContext(adb.dir, { android: { driver: 'cdp', tfliteBenchmarkBinary: binary } });
  const target = createAndroidTarget({ adb: servedAdb(adb, server) });
  const devices = await target.discover(context);
  const [pixel, galaxy] = [PIXEL_7, GALAXY_A51].map((phone) => devices.find((found) => found.device.id === phone.serial)!);

  const missing = 'Chrome (com.android.chrome) is not installed on Pixel 7 (2B161JEGR04567): install Chrome from the Play Store on the phone, open it once, then rerun';
  const disabled = 'Chrome is disabled on SM-A515F (R58N91ABCDE): on the phone, Settings → Apps → Chrome → Enable, open it once, then rerun';
  for (const [found, line] of [[pixel!, missing], [galaxy!, disabled]] as const) {
    assert.equal(found.usable, true, 'the phone itself is usable');
    const page = found.runtimes.filter((status) => (PAGE_RUNTIMES as readonly string[]).includes(status.runtime));
    assert.equal(page.length, PAGE_RUNTIMES.length);
    for (const status of page) assert.deepEqual([status.available, status.reason], [false, line], status.runtime);
    assert.equal(found.runtimes.find((status) => status.runtime === 'tflite-benchmark-model')?.available, true);
    assert.equal(found.notes![0], `route cdp (in use: android.driver cdp): cannot run the page runtimes: ${line}`);
  }

  await target.prepare!(context, devices);
  const warnings = context.log.lines.map((line) => stripVTControlCharacters(line)).filter((line) => line.startsWith('warning: ')).map((line) => line.slice('warning: '.length));
  assert.deepEqual(warnings, [`android ${PIXEL_7.serial}: no page runtime: ${missing}`, `android ${GALAXY_A51.serial}: no page runtime: ${disabled}`]);
  await target.dispose!();
  assert.equal((await adb.calls()).some((args) => args.join(' ').includes('am start')), false);
});
