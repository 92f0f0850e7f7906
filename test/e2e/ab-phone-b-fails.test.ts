/**
 * An A/B on a phone (the fake adb; its Chrome a desktop Chromium over CDP):
 * A and B go to the same page of the phone's browser, and B's model cannot
 * load there (its weights cut short) while A's loads. The phone target names
 * side B and its phase, and the verdict `bench ab` makes of that
 * (harness/ab.ts `abKeyInput`, reports/ab.ts) is a regression naming the
 * phone's key, exit 1: the same pair flow (targets/page/pair-flow.ts) as a
 * desktop browser's, behind adb, its reverse and its DevTools.
 *
 * The target is driven directly, not through the CLI: the command would
 * first try to make B's agreement reference from the same broken file on the
 * host (two runtimes, each failing in a child process), tens of seconds that
 * show nothing about phones; the command's own handling of a failing B is
 * ab-command-verdicts' and ab-browser-page-pairs' (both through `bench ab`).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { abKeyInput, abOptions } from '../../harness/ab.ts';
import { keyId } from '../../harness/core/record.ts';
import { abExitCode, abVerdict } from '../../reports/ab.ts';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { keyedJob } from '../../targets/result.ts';
import { androidContext, fakeAdb, PIXEL_7, standInChrome, tinyPageJob, withoutAppiumPrerequisites, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

let out: string;
let base: string;
let adb: FakeAdb;
before(async () => {
  out = await pageOut('ab-phone');
  base = await tempDir('ab-phone-base');
  adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome() }]);
});
after(async () => {
  adb.killChrome(PIXEL_7.serial, 'SIGTERM');
  await Promise.all([rm(out, { recursive: true, force: true }), rm(base, { recursive: true, force: true })]);
});

test("B's model fails on the phone while A's loads: side B named, a regression naming the phone's key, exit 1", { timeout: 180_000 }, async () => {
  const tinyA = await makeTinyArtifact(base);
  const tinyB = await makeTinyArtifact(out);
  const mobile = join(out, 'models', 'tiny', 'mobile');
  await truncate(join(mobile, (await readdir(mobile)).find((name) => name.endsWith('.bin'))!), 10);
  // Two loaded cores start the stand-in Chromium slowly.
  const context = androidContext(out, { android: { driver: 'cdp', cooldown: { enabled: false } }, timeouts: { android: { cdpConnectMs: 120_000, devtoolsSocketMs: 120_000 } } });
  // The fake adb in this process: the adb process is android-cdp-route's first test; here a Node start per call bought nothing.
  const target = createAndroidTarget({ adb: inProcessAdb(adb), env: withoutAppiumPrerequisites() });
  const [phone] = await target.discover(context);
  assert.equal(phone?.usable, true);
  await target.prepare!(context, [phone!]);
  try {
    const a = keyedJob(target, await tinyPageJob(tinyA, base, phone!.device, 'tfjs-wasm'), context.config);
    const b = keyedJob(target, await tinyPageJob(tinyB, out, phone!.device, 'tfjs-wasm'), context.config);
    const result = await target.runPair!({ a, b, processes: 2, seed: 1 }, context);
    assert.ok(!result.ok, 'B cannot load');
    assert.deepEqual([result.side, result.phase], ['b', 'load'], result.error.message);
    const verdict = abVerdict([abKeyInput(keyId(b.key), result)], abOptions(context.config));
    const [key] = verdict.keys;
    assert.ok(key!.key.startsWith(`tiny/tfjs/float32@android:${PIXEL_7.serial}/tfjs-wasm[`), key!.key);
    assert.equal(key!.verdict, 'regressed');
    assert.match(key!.reason, /^failed on B, not on A: load failed: /);
    assert.equal(abExitCode(verdict), 1);
  } finally {
    await target.dispose!();
  }
});
