/**
 * A harness that dies in the middle of a phone job never reaches the
 * target's dispose; the exit guard removes the `adb forward` (the phone's
 * Chrome DevTools on a host port) and the `adb reverse` with blocking adb
 * calls as the process exits, and the ledger goes with them. Two ways to
 * die: an uncaught exception (a throw from the event loop), and SIGTERM to a
 * process using the Android target with no signal handler of its own (the
 * target outside `bench run`, whose handler stops runs cleanly), which the
 * guard takes while the run holds rules and exits as the signal would have
 * (143). The phone is the fake adb with Debian's Chromium as its Chrome (CDP
 * route), one phone and one Chrome for both tests as on a real phone (each
 * test reads only the adb calls made since it began); the child is
 * test/fixtures/android-dies-mid-job-child.ts, under the tests' loader, and
 * runs adb as a process, the fake's client (fake-adb/adb-server.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { fakeAdbServer, SERVED_ADB, type FakeAdbServer } from '../fixtures/fake-adb/adb-server.ts';
import { fakeAdb, PIXEL_7, standInChrome, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { TS_LOADER } from '../helpers/bench-child.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

const CHILD = fileURLToPath(new URL('../fixtures/android-dies-mid-job-child.ts', import.meta.url));
let out: string;
let tiny: TinyArtifact;
let adb: FakeAdb;
let server: FakeAdbServer;

before(async () => {
  out = await pageOut('android-dies');
  tiny = await makeTinyArtifact(out, { images: 12 });
  adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome() }]);
  server = await fakeAdbServer();
});

after(async () => {
  adb.killChrome(PIXEL_7.serial, 'SIGTERM');
  await server.close();
});

/** Runs the child on the fake phone until it dies `how`; returns what it printed, the adb calls it made and its ledger folder. */
async function dieMidJob(how: 'crash' | 'sigterm'): Promise<{ code: number | null; output: string; calls: string[]; cache: string }> {
  const before = (await adb.calls()).length;
  const cache = await tempDir(`android-dies-${how}-cache`);
  const child = spawn(process.execPath, ['--import', TS_LOADER, CHILD, JSON.stringify({ out, tiny, how, adb: SERVED_ADB })], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...adb.env, ...server.env, XDG_CACHE_HOME: cache } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output, calls: (await adb.calls()).slice(before).map((args) => args.join(' ')), cache };
}

/** The forward the job ran over was removed at exit, and no rule or ledger is left. */
async function assertNothingLeft(calls: string[], cache: string): Promise<void> {
  const forward = calls.find((call) => / forward --remove tcp:\d+$/.test(call));
  assert.ok(calls.includes(`-s ${PIXEL_7.serial} forward tcp:0 localabstract:chrome_devtools_remote`), 'the job ran over a forward');
  assert.ok(forward, `the forward was removed at exit:\n${calls.join('\n')}`);
  assert.deepEqual((await adb.forwards())[PIXEL_7.serial], {});
  assert.deepEqual((await adb.reverses())[PIXEL_7.serial], []);
  assert.deepEqual(readdirSync(join(cache, 'edgebench', 'android-runs')), []);
}

test('an uncaught exception mid-job leaves no adb forward, reverse or ledger', { timeout: 180_000 }, async () => {
  const { code, output, calls, cache } = await dieMidJob('crash');
  assert.match(output, /crashing mid-job, over the forward/);
  assert.match(output, /Error: the harness crashed mid-job/);
  assert.equal(code, 1, output);
  await assertNothingLeft(calls, cache);
});

test('an unhandled SIGTERM mid-job leaves no adb forward, reverse or ledger', { timeout: 180_000 }, async () => {
  const { code, output, calls, cache } = await dieMidJob('sigterm');
  assert.match(output, /SIGTERM mid-job, over the forward/);
  assert.equal(code, 143, output);
  await assertNothingLeft(calls, cache);
});
