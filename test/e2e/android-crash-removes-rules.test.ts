/**
 * A harness that dies of an uncaught exception in the middle of a phone job
 * never reaches the target's dispose: the exit guard removes the `adb
 * forward` (the phone's Chrome DevTools on a host port) and the `adb
 * reverse` with blocking adb calls as the process exits, and the ledger
 * goes with them. The phone is the fake adb with Debian's Chromium as its
 * Chrome (CDP route); the crash is a throw from the event loop
 * (test/fixtures/android-dies-mid-job-child.ts).
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
  out = await tempDir('android-crash');
  cache = await tempDir('android-crash-cache');
  tiny = await makeTinyArtifact(out, { images: 12 });
  adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome() }]);
});

after(() => {
  adb.killChrome(PIXEL_7.serial, 'SIGTERM');
});

test('an uncaught exception mid-job leaves no adb forward, reverse or ledger', { timeout: 180_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ out, tiny, how: 'crash' })], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...adb.env, XDG_CACHE_HOME: cache } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.match(output, /crashing mid-job, over the forward/);
  assert.match(output, /Error: the harness crashed mid-job/);
  assert.equal(code, 1, output);
  const calls = (await adb.calls()).map((args) => args.join(' '));
  const forward = calls.find((call) => / forward --remove tcp:\d+$/.test(call));
  assert.ok(calls.includes(`-s ${PIXEL_7.serial} forward tcp:0 localabstract:chrome_devtools_remote`), 'the job ran over a forward');
  assert.ok(forward, `the forward was removed at exit:\n${calls.join('\n')}`);
  assert.deepEqual((await adb.forwards())[PIXEL_7.serial], {});
  assert.deepEqual((await adb.reverses())[PIXEL_7.serial], []);
  assert.deepEqual(readdirSync(join(cache, 'edgebench', 'android-runs')), []);
});
