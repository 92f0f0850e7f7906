/**
 * The Appium server the harness starts loads only the driver its sessions'
 * `automationName` names (`--use-drivers`), found among the drivers
 * installed (targets/android/servers.ts): Appium would otherwise load every
 * installed driver at its start. The chromium driver (the CI stand-in's) is
 * installed here; UiAutomator2 needs a JDK and an SDK this machine lacks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { StartAppiumOptions } from '../../targets/android/appium-server.ts';
import { SharedServers } from '../../targets/android/servers.ts';

test("the harness's Appium server is started with its sessions' driver alone", async () => {
  const started: StartAppiumOptions[] = [];
  const servers = new SharedServers({
    startAppium: async (options) => {
      started.push(options);
      return { url: 'http://127.0.0.1:4723/', running: true, stop: async () => {} };
    },
  });
  const config = parseConfig({ android: { capabilities: { 'appium:automationName': 'Chromium', browserName: 'chrome' } } });
  assert.equal(await servers.appiumUrl(config, memoryLogger()), 'http://127.0.0.1:4723/');
  assert.equal(started.length, 1);
  assert.deepEqual(started[0]!.drivers, ['chromium']);
});
