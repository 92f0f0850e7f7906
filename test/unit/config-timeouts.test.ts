/**
 * Every wait a target bounds is a `timeouts` key: filled with its default
 * when absent, overridable one key at a time, and a misspelt key is an error
 * naming its path.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TIMEOUTS, parseConfig } from '../../harness/core/config.ts';

test('timeouts resolve with their defaults, and one key overrides only itself', () => {
  const defaults = parseConfig({}).timeouts;
  assert.deepEqual(defaults, DEFAULT_TIMEOUTS);
  assert.equal(defaults.node.probeMs, 120_000);
  assert.equal(defaults.node.adapterQueryMs, 30_000);
  assert.equal(defaults.browser.launchMs, 60_000);
  assert.equal(defaults.browser.pageReadyMs, 60_000);
  assert.equal(defaults.browser.closeMs, 10_000);
  assert.equal(defaults.android.adbMs, 20_000);
  assert.equal(defaults.android.adbDevicesMs, 10_000);
  assert.equal(defaults.android.adbStateMs, 5_000);
  assert.equal(defaults.android.browserAliveMs, 5_000);
  assert.equal(defaults.android.sessionStartMs, 180_000);
  assert.equal(defaults.android.devtoolsSocketMs, 20_000);
  assert.equal(defaults.android.cdpConnectMs, 30_000);

  const tuned = parseConfig({ timeouts: { browser: { launchMs: 90_000 }, android: { adbPushMs: 600_000 } } }).timeouts;
  assert.equal(tuned.browser.launchMs, 90_000);
  assert.equal(tuned.android.adbPushMs, 600_000);
  assert.deepEqual({ ...tuned.browser, launchMs: defaults.browser.launchMs }, defaults.browser);
  assert.deepEqual({ ...tuned.android, adbPushMs: defaults.android.adbPushMs }, defaults.android);
  assert.deepEqual(tuned.node, defaults.node);
});

test('a misspelt or non-positive timeout is an error naming its path', () => {
  assert.throws(() => parseConfig({ timeouts: { browser: { lauchMs: 1 } } }), /timeouts\.browser\.lauchMs: unknown key/);
  assert.throws(() => parseConfig({ timeouts: { android: { adbMs: 0 } } }), /timeouts\.android\.adbMs/);
});
