/**
 * SIGTERM to a process using the Android target with no signal handler of
 * its own (the target outside `bench run`, whose handler stops runs
 * cleanly) would end it at once, dispose never reached: the exit guard
 * takes the signal while the run holds rules, exits as the signal would
 * have (143), and removes the `adb forward` and `adb reverse` on the way
 * out. The phone is the fake adb with Debian's Chromium as its Chrome (CDP
 * route); the process signals itself (test/fixtures/android-dies-mid-job-child.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { fakeAdb, PIXEL_7, standInChrome, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { tempDir } from '../helpers/tmp.ts';

const CHILD = fileURLToPath(new URL('../fixtures/android-dies-mid-job-child.ts', import.meta.url));
let out: string;
let cache: string;
let tiny: TinyArtifact;
let adb: FakeAdb;

before(async () => {
  out = await tempDir('android-signal');
  cache = await tempDir('android-signal-cache');
  tiny = await makeTinyArtifact(out, { images: 12 });
  adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome() }]);
});

after(() => {
  adb.killChrome(PIXEL_7.serial, 'SIGTERM');
});

test('an unhandled SIGTERM mid-job leaves no adb forward, reverse or ledger', { timeout: 180_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ out, tiny, how: 'sigterm' })], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...adb.env, XDG_CACHE_HOME: cache } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.match(output, /SIGTERM mid-job, over the forward/);
  assert.equal(code, 143, output);
  const calls = (await adb.calls()).map((args) => args.join(' '));
  const forward = calls.find((call) => / forward --remove tcp:\d+$/.test(call));
  assert.ok(calls.includes(`-s ${PIXEL_7.serial} forward tcp:0 localabstract:chrome_devtools_remote`), 'the job ran over a forward');
  assert.ok(forward, `the forward was removed at exit:\n${calls.join('\n')}`);
  assert.deepEqual((await adb.forwards())[PIXEL_7.serial], {});
  assert.deepEqual((await adb.reverses())[PIXEL_7.serial], []);
  assert.deepEqual(readdirSync(join(cache, 'edgebench', 'android-runs')), []);
});
