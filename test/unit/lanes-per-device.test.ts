/**
 * The orchestrator's lanes: the host's devices (Node, browsers) share one
 * lane, each phone has its own; within a lane one job at a time in plan
 * order, the lanes at once, and a lane told to stop starts nothing more.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceInfo } from '../../harness/core/record.ts';
import { laneOf, runInLanes } from '../../harness/lanes.ts';

const host: DeviceInfo = { id: 'host', kind: 'node', name: 'this host' };
const chromium: DeviceInfo = { id: 'chromium-140', kind: 'browser', name: 'Chromium 140' };
const pixel: DeviceInfo = { id: 'PIXEL', kind: 'android', name: 'Pixel 7' };
const galaxy: DeviceInfo = { id: 'GALAXY', kind: 'android', name: 'Galaxy A51' };

test('Node and browsers share the host lane; each phone is a lane', () => {
  assert.equal(laneOf(host), laneOf(chromium));
  assert.notEqual(laneOf(pixel), laneOf(galaxy));
  assert.notEqual(laneOf(pixel), laneOf(host));
});

test('one job at a time per lane, in order; the lanes overlap; stop ends only its lane', async () => {
  const items = [pixel, galaxy, host, pixel, chromium, galaxy, pixel].map((device, index) => ({ device, index }));
  const running = new Map<string, number>();
  const events: string[] = [];
  let overlapped = false;
  await runInLanes(
    items,
    (item) => item.device,
    async ({ device, index }) => {
      const lane = laneOf(device);
      assert.equal(running.get(lane) ?? 0, 0, `lane ${lane} ran two jobs at once`);
      running.set(lane, 1);
      if ([...running.values()].filter((count) => count > 0).length > 1) overlapped = true;
      events.push(`${device.id}#${index}`);
      await new Promise((wait) => setTimeout(wait, 20));
      running.set(lane, 0);
      // The Galaxy's first job stops its lane: its second never starts.
      return device === galaxy ? 'stop' : 'next';
    },
  );
  assert.ok(overlapped, 'lanes ran at the same time');
  const order = (id: string) => events.filter((event) => event.startsWith(`${id}#`));
  assert.deepEqual(order('PIXEL'), ['PIXEL#0', 'PIXEL#3', 'PIXEL#6']);
  assert.deepEqual(order('GALAXY'), ['GALAXY#1']);
  assert.deepEqual(events.filter((event) => !event.startsWith('PIXEL') && !event.startsWith('GALAXY')), ['host#2', 'chromium-140#4']);
});
