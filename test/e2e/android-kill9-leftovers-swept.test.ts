/**
 * A run killed with kill -9 runs no cleanup at all: its `adb forward` (the
 * phone's Chrome DevTools, open to every local user on a host port), its
 * `adb reverse` rules and the Appium server it started stay. The next start
 * finds them in the ledgers of the private folder, removes them while adb
 * still lists them and stops that Appium (still the same process), with one
 * line each. Two runs are killed: one on the CDP route (forward + reverse),
 * one on the Appium route (reverse + Appium server, driving Chromium
 * through appium-chromium-driver as the phone's stand-in); they run side by
 * side, so neither sweeps the other's ledger while it lives. Every `bench`
 * runs adb as a process, the fake's client (fake-adb/adb-server.ts). The two
 * runs are processes (kill -9 is the point); the next start is `bench
 * devices` in this process (`main`, as harness/bin.js runs it), with the
 * runs' environment set here while it runs: this process owns none of the
 * ledgers, as a fresh one would not.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../../targets/android/appium-server.ts';
import { makeTinyReferenced } from '../helpers/tiny-referenced.ts';
import { fakeAdbServer, SERVED_ADB, type FakeAdbServer } from '../fixtures/fake-adb/adb-server.ts';
import { fakeAdb, PIXEL_7, standInChrome, type FakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { startBench, waitFor, type BenchChild } from '../helpers/bench-child.ts';
import { bench } from '../helpers/cli.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { privateCacheHome } from '../helpers/private-cache.ts';
import { tempDir } from '../helpers/tmp.ts';
import { CHROMIUM_DISABLE_FEATURES } from '../../targets/browser/launcher.ts';

let cache: string;
let adb: FakeAdb;
let server: FakeAdbServer;
let standInProfile: string;
const killed: BenchChild[] = [];

/** Chromium through Appium's Chromium driver: the CI stand-in for Chrome on a phone (as in android-appium.test.ts, chromedriver on a port of its own). */
function standInCapabilities(userDataDir: string, chromedriverPort: number) {
  return {
    platformName: 'linux',
    browserName: 'chrome',
    'appium:automationName': 'Chromium',
    'appium:executable': '/usr/bin/chromedriver',
    'appium:autodownloadEnabled': false,
    'appium:chromedriverPort': chromedriverPort,
    'goog:chromeOptions': { binary: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', CHROMIUM_DISABLE_FEATURES, `--user-data-dir=${userDataDir}`] },
  };
}

/** An out folder with the tiny model and a config for the fake phone by `android`. */
async function outFolder(name: string, android: Record<string, unknown>): Promise<{ out: string; config: string }> {
  const out = await pageOut(name);
  await makeTinyReferenced(out);
  const config = join(out, 'bench.config.json');
  await writeFile(config, JSON.stringify({ android: { adb: SERVED_ADB, ...android } }));
  return { out, config };
}

const runArgs = (folder: { out: string; config: string }) => ['run', '--out', folder.out, '--config', folder.config, '--model', 'tiny', '--targets', 'android', '--backends', 'tfjs-wasm', '--min-samples', '5', '--min-time', '60000', '--max-time', '120000', '--warmup', '1', '--rounds', '1'];

const ledgerDir = () => join(cache, 'edgebench', 'android-runs');
const ledgers = () => (existsSync(ledgerDir()) ? readdirSync(ledgerDir()).filter((name) => name.endsWith('.json')) : []);
/** The Appium pid a run's ledger names, once it does. */
const appiumInLedgers = () => {
  for (const name of ledgers()) {
    const ledger = JSON.parse(readFileSync(join(ledgerDir(), name), 'utf8')) as { setups: Array<{ kind: string; process?: { pid: number } }> };
    const appium = ledger.setups.find((setup) => setup.kind === 'appium');
    if (appium) return appium.process!.pid;
  }
  return undefined;
};
/**
 * Whether a run's ledger names its adb forward with the port adb gave it. A forward is written down as pending
 * (`tcp:0`) before adb makes it and with its port once adb answers: the fake's state shows it in between.
 */
const forwardInLedgers = () =>
  ledgers().some((name) => {
    const ledger = JSON.parse(readFileSync(join(ledgerDir(), name), 'utf8')) as { setups: Array<{ kind: string; local?: string }> };
    return ledger.setups.some((setup) => setup.kind === 'forward' && setup.local !== 'tcp:0');
  });
/** Whether `pid` is a running process (a zombie waiting to be reaped is not). */
const running = (pid: number) => existsSync(`/proc/${pid}/stat`) && !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
/** Processes in process group `pgid` (field 5 of /proc/<pid>/stat), zombies aside. */
const inGroup = (pgid: number) =>
  readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        return false; // ended meanwhile
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[2]) === pgid && fields[0] !== 'Z';
    });
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');

before(async () => {
  cache = await privateCacheHome('android-kill9-cache');
  standInProfile = await tempDir('android-kill9-profile');
  adb = await fakeAdb([{ ...PIXEL_7, chrome: await standInChrome() }]);
  server = await fakeAdbServer();
});

after(async () => {
  for (const run of killed) if (run.child.exitCode === null && run.child.signalCode === null) process.kill(run.child.pid!, 'SIGKILL');
  adb.killChrome(PIXEL_7.serial, 'SIGTERM');
  await server.close();
  // The Appium stand-in's Chromium, if the sweep's SIGTERM to Appium's group did not reach it.
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const args = (await readFile(join('/proc', pid, 'cmdline'), 'utf8').catch(() => '')).split('\0');
    if (args.includes(`--user-data-dir=${standInProfile}`)) process.kill(Number(pid), 'SIGKILL');
  }
});

test('kill -9 of two phone runs, then a new start: the stale forward, reverses and Appium are removed, one line each', { timeout: 600_000 }, async () => {
  const env = { ...adb.env, ...server.env, XDG_CACHE_HOME: cache };
  const [appiumFolder, cdpFolder] = await Promise.all([outFolder('android-kill9-appium', { driver: 'appium', capabilities: standInCapabilities(standInProfile, await freePort()) }), outFolder('android-kill9-cdp', { driver: 'cdp' })]);
  const viaAppium = startBench(runArgs(appiumFolder), env);
  killed.push(viaAppium);
  const appiumPid = await waitFor(appiumInLedgers, 'an Appium server in the ledger', viaAppium.output);
  await waitFor(async () => (await adb.reverses())[PIXEL_7.serial]?.length === 1, 'the Appium run’s adb reverse', viaAppium.output);
  const viaCdp = startBench(runArgs(cdpFolder), env);
  killed.push(viaCdp);
  await waitFor(async () => Object.keys((await adb.forwards())[PIXEL_7.serial] ?? {}).length > 0 && forwardInLedgers(), 'the CDP run’s adb forward, in its ledger', viaCdp.output);
  await waitFor(async () => (await adb.reverses())[PIXEL_7.serial]?.length === 2, 'the CDP run’s adb reverse', viaCdp.output);
  assert.equal(ledgers().length, 2, 'one ledger per run');
  assert.doesNotMatch(viaCdp.output(), /stale|leftover/, 'a run beside a live one leaves its ledger alone');

  // Appium dies of a closed pipe at its next log line, which a request still in flight gives it at once; an idle
  // one lives on with its session. Stopped (SIGSTOP) before its run is killed, it stands for that idle one.
  process.kill(appiumPid, 'SIGSTOP');
  for (const run of [viaAppium, viaCdp]) {
    process.kill(run.child.pid!, 'SIGKILL');
    await run.exit;
  }
  // What kill -9 left: the rules, and Appium, still running, still Appium.
  const [forward] = Object.entries((await adb.forwards())[PIXEL_7.serial] ?? {});
  assert.ok(forward, 'the forward outlived the killed run');
  assert.equal(forward[1], 'localabstract:chrome_devtools_remote');
  const reverses = (await adb.reverses())[PIXEL_7.serial]!;
  assert.equal(reverses.length, 2);
  assert.ok(running(appiumPid) && /appium/.test(cmdline(appiumPid)), 'Appium outlived the killed run');

  const nextOut = await tempDir('android-kill9-next');
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  let next: Awaited<ReturnType<typeof bench>>;
  try {
    next = await bench(['devices', '--targets', 'android', '--config', cdpFolder.config, '--out', nextOut]);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  const output = next.stdout + next.stderr;
  assert.equal(next.code, 0, output);
  assert.match(output, new RegExp(`removed a stale adb forward ${forward[0]} → localabstract:chrome_devtools_remote on ${PIXEL_7.serial}, left by an earlier run \\(pid \\d+\\)`));
  for (const rule of reverses) assert.match(output, new RegExp(`removed a stale adb reverse ${rule} → ${rule} on ${PIXEL_7.serial}`));
  assert.match(output, new RegExp(`stopped a leftover Appium server \\(pid ${appiumPid}\\)`));
  assert.equal(output.match(/stale|leftover/g)?.length, 4, `one line each:\n${output}`);
  // The fake adb's rules, the process table and the ledger folder agree.
  assert.deepEqual((await adb.forwards())[PIXEL_7.serial], {});
  assert.deepEqual((await adb.reverses())[PIXEL_7.serial], []);
  assert.equal(running(appiumPid), false, 'the leftover Appium is gone');
  assert.deepEqual(inGroup(appiumPid), [], 'and so is everything in its process group (chromedriver)');
  assert.deepEqual(ledgers(), []);
});
