/**
 * SIGTERM to a `bench run` measuring on a phone removes what the run set up
 * there: the `adb forward` that opens the phone's Chrome DevTools on a host
 * port, and the `adb reverse` to the page server. Once (the run stops
 * cleanly and disposes) and twice (the second exits at once: the exit guard
 * removes them with blocking adb calls). The phone is the fake adb with
 * Debian's Chromium as its Chrome (CDP route); `bench` runs adb as a process,
 * the fake's client (fake-adb/adb-server.ts).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTinyReferenced } from '../helpers/tiny-referenced.ts';
import { fakeAdbServer, SERVED_ADB, type FakeAdbServer } from '../fixtures/fake-adb/adb-server.ts';
import { fakeAdb, PIXEL_7, standInChrome, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { startBench, waitFor, type BenchChild } from '../helpers/bench-child.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

let out: string;
let cache: string;
let config: string;
let adb: FakeAdb;
let server: FakeAdbServer;

before(async () => {
  out = await pageOut('android-sigterm');
  cache = await tempDir('android-sigterm-cache');
  await makeTinyReferenced(out);
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
