/**
 * An A/B's pages on a phone get what a plain phone job has around it: the
 * cool-down (after the phone's first job) and the battery and thermal state
 * before and after, in the pair result's `deviceStates`; a phone that went
 * away fails the pair before any page. The fake adb, called in this
 * process; the page pair itself is a stand-in body here (the real flow on
 * the phone's browser is android-cdp-route.test.ts's A/B).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneLane, type LaneServices } from '../../targets/android/lane.ts';
import type { SharedServers } from '../../targets/android/servers.ts';
import type { PairJobResult } from '../../targets/types.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { androidContext, fakeAdb, PIXEL_7 } from '../fixtures/fake-adb/fake-device.ts';
import { discoverAndroid } from '../../targets/android/discover.ts';

test('the cool-down and the phone state around each A/B page; a phone gone fails the pair at once', async () => {
  const fake = await fakeAdb([PIXEL_7]);
  const adb = inProcessAdb(fake);
  const context = androidContext(fake.dir, { android: { cooldown: { enabled: true, maxWaitMs: 1000 } } });
  const [phone] = await discoverAndroid({ adb, config: context.config });
  const unused = () => Promise.reject(new Error('no browser in this test'));
  const services: LaneServices = { adb: () => adb, servers: {} as SharedServers, openBrowser: { cdp: unused, appium: unused }, defaultRoute: () => 'cdp', cooldownPollMs: 1 };
  const lane = new PhoneLane(phone!.device, services);
  const pages: PairJobResult = { ok: true, processes: [{ a: [10], b: [11] }], design: 'in-process' };
  let ran = 0;
  const body = async () => {
    ran += 1;
    return pages;
  };

  const first = await lane.aroundPair(context, body);
  const second = await lane.aroundPair(context, body);
  assert.ok(first.ok && second.ok);
  assert.deepEqual(first.processes, pages.processes, 'the pages measured as they were');
  const [one] = first.deviceStates ?? [];
  const [two] = second.deviceStates ?? [];
  assert.equal(one?.side, 'both');
  assert.deepEqual([one?.before?.batteryLevel, one?.before?.thermalStatus, one?.after?.thermalStatus], [87, 'none', 'none']);
  assert.deepEqual([one?.before?.cooldownMs, typeof two?.before?.cooldownMs], [undefined, 'number'], 'cooled down before every job but the first');

  await fake.setState(PIXEL_7.serial, 'gone');
  const gone = await lane.aroundPair(context, body);
  assert.ok(!gone.ok && gone.side === 'both' && gone.phase === 'setup', JSON.stringify(gone));
  assert.equal(ran, 2, 'no page after the phone went away');
});
