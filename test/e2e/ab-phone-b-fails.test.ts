/**
 * `bench ab` on a phone (the fake adb; its Chrome a desktop Chromium over
 * CDP): A and B go to the same page of the phone's browser, and B's model
 * cannot load there (its weights cut short) while A's loads. That is a
 * regression naming the phone's key (exit 1), as a failing B is on Node and
 * in desktop browsers: the phone route is the same pair flow
 * (targets/page/pair-flow.ts) behind adb, its reverse and its DevTools.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAKE_ADB, fakeAdb, PIXEL_7, standInChrome, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { bench } from '../helpers/cli.ts';
import { pageOut } from '../helpers/page-bundle.ts';

let root: string;
let adb: FakeAdb;
before(async () => {
  root = await pageOut('ab-phone');
  const base = join(root, 'base');
  await makeTinyArtifact(base, { model: 'tiny' });
  await cp(base, join(root, 'change'), { recursive: true });
  // The page is served from B's out folder: its bundle there (pageOut put it in root's cache).
  await cp(join(root, 'cache'), join(root, 'change', 'cache'), { recursive: true });
  const mobile = join(root, 'change', 'models', 'tiny', 'mobile');
  const weights = (await readdir(mobile)).find((name) => name.endsWith('.bin'))!;
  await truncate(join(mobile, weights), 10);
  adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome() }]);
  // The fake adb reads its phones from FAKE_ADB_STATE: the command's adb calls inherit this process's environment.
  process.env.FAKE_ADB_STATE = adb.dir;
  await writeFile(join(root, 'bench.config.json'), JSON.stringify({
    android: { adb: FAKE_ADB, driver: 'cdp', cooldown: { enabled: false } },
    // Two loaded cores start the stand-in Chromium slowly.
    timeouts: { android: { cdpConnectMs: 120_000, devtoolsSocketMs: 120_000 } },
  }));
});
after(async () => {
  adb.killChrome(PIXEL_7.serial, 'SIGTERM');
  await rm(root, { recursive: true, force: true });
});

test("B's model fails on the phone while A's loads: a regression naming the phone's key, exit 1", { timeout: 180_000 }, async () => {
  const result = await bench(['ab', '--json', '--out', join(root, 'change'), '--baseline', join(root, 'base'), '--model', 'tiny', '--targets', 'android', '--backends', 'tfjs-wasm', '--processes', '2', '--pairs', '5', '--min-time', '0', '--warmup', '1'], { cwd: root });
  assert.equal(result.code, 1, result.stderr);
  const json = JSON.parse(result.stdout) as { keys: { key: string; verdict: string; reason: string }[] };
  assert.equal(json.keys.length, 1, JSON.stringify(json.keys));
  const [key] = json.keys;
  assert.ok(key!.key.startsWith(`tiny/tfjs/float32@android:${PIXEL_7.serial}/tfjs-wasm[`), key!.key);
  assert.equal(key!.verdict, 'regressed', key!.reason);
  assert.match(result.stderr, new RegExp(`regressed\\s+${key!.key.replace(/[[\]().*+?^$|\\]/g, '\\$&')}\\s.*failed on B, not on A: load failed`));
});
