/**
 * SIGTERM to a `bench run` measuring on a phone removes what the run set up
 * there: the `adb forward` that opens the phone's Chrome DevTools on a host
 * port, and the `adb reverse` to the page server. Once (the run stops
 * cleanly and disposes) and twice (the second exits at once: the exit guard
 * removes them with blocking adb calls).
 *
 * A harness that dies in the middle of a phone job never reaches the
 * target's dispose; the exit guard removes the forward and the reverse with
 * blocking adb calls as the process exits, and the ledger goes with them.
 * Two ways to die: an uncaught exception (a throw from the event loop), and
 * SIGTERM to a process using the Android target with no signal handler of
 * its own (the target outside `bench run`, whose handler stops runs
 * cleanly), which the guard takes while the run holds rules and exits as
 * the signal would have (143). That child is
 * test/fixtures/android-dies-mid-job-child.ts, under the tests' loader (was
 * android-dies-mid-job-removes-rules, a file of its own: a test process and
 * a stand-in Chrome start more).
 *
 * The phone is the fake adb with Debian's Chromium as its Chrome (CDP
 * route), one phone and one Chrome for every test as on a real phone, whose
 * Chrome the harness leaves running (each test reads only the adb calls made
 * since it began); `bench` and the child run adb as a process, the fake's
 * client (fake-adb/adb-server.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTinyReferenced } from '../helpers/tiny-referenced.ts';
import { fakeAdbServer, SERVED_ADB, type FakeAdbServer } from '../fixtures/fake-adb/adb-server.ts';
import { fakeAdb, PIXEL_7, standInChrome, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import type { TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { startBench, TS_LOADER, waitFor, type BenchChild } from '../helpers/bench-child.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { privateCacheHome } from '../helpers/private-cache.ts';

const CHILD = fileURLToPath(new URL('../fixtures/android-dies-mid-job-child.ts', import.meta.url));
let out: string;
let tiny: TinyArtifact;
let cache: string;
let config: string;
let adb: FakeAdb;
let server: FakeAdbServer;

before(async () => {
  out = await pageOut('android-sigterm');
  cache = await privateCacheHome('android-sigterm-cache');
  tiny = await makeTinyReferenced(out);
  adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome() }]);
  server = await fakeAdbServer();
  config = join(out, 'bench.config.json');
  await writeFile(config, JSON.stringify({ android: { adb: SERVED_ADB, driver: 'cdp' } }));
});

after(async () => {
  adb.killChrome(PIXEL_7.serial, 'SIGTERM');
  await server.close();
});

/** Sends the second SIGTERM from the output handler that sees the run's notice of the first; resolves once sent. */
function secondOnNotice(run: BenchChild): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the first SIGTERM noticed: not within 30 s:\n${run.output()}`)), 30_000);
    const watch = () => {
      if (!/SIGTERM received/.test(run.output())) return;
      for (const stream of [run.child.stdout!, run.child.stderr!]) stream.off('data', watch);
      clearTimeout(timer);
      process.kill(run.child.pid!, 'SIGTERM');
      resolve();
    };
    // After startBench's own listeners, which keep the output: the text seen here includes this chunk.
    for (const stream of [run.child.stdout!, run.child.stderr!]) stream.on('data', watch);
  });
}

const ledgers = () => readdirSync(join(cache, 'edgebench', 'android-runs')).filter((name) => name.endsWith('.json'));

for (const times of [1, 2]) {
  test(`SIGTERM ${times === 1 ? 'once' : 'twice'} during a phone job: no adb forward or reverse left`, { timeout: 300_000 }, async () => {
    const run = startBench(
      ['run', '--out', out, '--config', config, '--model', 'tiny', '--targets', 'android', '--backends', 'tfjs-wasm', '--min-samples', '5', '--min-time', '3000', '--warmup', '1', '--rounds', '1'],
      { ...adb.env, ...server.env, XDG_CACHE_HOME: cache },
    );
    // The DevTools forward exists while the job runs; the ledger names it and the reverse.
    await waitFor(async () => Object.keys((await adb.forwards())[PIXEL_7.serial] ?? {}).length > 0, 'an adb forward to the phone', run.output);
    assert.equal((await adb.reverses())[PIXEL_7.serial]?.length, 1);
    assert.equal(ledgers().length, 1, 'the run keeps a ledger while it holds rules');
    // Twice: the second as soon as the run says it noticed the first (on its output, not a poll), while it still holds the rules.
    const noticed = times === 2 ? secondOnNotice(run) : undefined;
    process.kill(run.child.pid!, 'SIGTERM');
    if (noticed) await noticed;
    const { code } = await run.exit;
    assert.match(run.output(), /SIGTERM received: finishing cleanly/);
    if (times === 2) assert.equal(code, 143, run.output());
    assert.deepEqual((await adb.forwards())[PIXEL_7.serial], {}, run.output());
    assert.deepEqual((await adb.reverses())[PIXEL_7.serial], [], run.output());
    assert.deepEqual(ledgers(), [], 'nothing left for the next run to sweep');
  });
}

/** Runs the child on the fake phone until it dies `how`; returns what it printed, the adb calls it made and its ledger folder. */
async function dieMidJob(how: 'crash' | 'sigterm'): Promise<{ code: number | null; output: string; calls: string[]; cache: string }> {
  const before = (await adb.calls()).length;
  const cache = await privateCacheHome(`android-dies-${how}-cache`);
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
