/**
 * A browser on another machine is its own lane (one per machine, whatever the
 * port), so it measures while the host's lane does; one on this machine's
 * loopback shares the host's lane, as a local browser does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceInfo } from '../../harness/core/record.ts';
import { laneOf } from '../../harness/lanes.ts';

const remote = (host: string): DeviceInfo => ({ id: `chromium-156-at-${host}`, kind: 'browser', name: 'x', extra: { remote: true, host } });

test('remote browsers: one lane per other machine, the host lane on loopback', () => {
  assert.equal(laneOf(remote('10.0.0.7:3000')), 'remote:10.0.0.7');
  assert.equal(laneOf(remote('10.0.0.7:4444')), 'remote:10.0.0.7');
  assert.equal(laneOf(remote('127.0.0.1:3000')), 'host');
  assert.equal(laneOf(remote('localhost:3000')), 'host');
  assert.equal(laneOf({ id: 'chromium-156', kind: 'browser', name: 'x' }), 'host');
});
