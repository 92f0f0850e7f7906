/**
 * Killing Firefox's or WebKit's browser process in the middle of a job fails
 * that job alone, with the phase it had reached; the next job on the same
 * engine gets a fresh browser and measures. The browser is found among this
 * test's own descendants (its pid, never by a broad name) and killed with
 * SIGKILL, as a crash or the OOM killer would. The job killed runs on
 * tfjs-wasm: on tfjs-cpu its loop holds Firefox's page thread from the first
 * iteration, so a phase poll may never be answered and the test cannot see
 * the job start (it failed so in 4 runs of 21); the next job runs on tfjs-cpu,
 * whose page starts with no wasm to compile or threads to spawn.
 * Firefox's launches each run in a profile of their own, and the killed
 * one's is removed with it.
 *
 * The two engines run side by side (each its own browser, process and
 * device, as a run's lanes on two browsers do): most of each is waiting on
 * a launch, twice per engine.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { test } from 'node:test';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import { findBrowsers } from '../../targets/browser/browsers.ts';
import { childPids } from '../../targets/browser/webkit.ts';
import type { JobResult } from '../../targets/types.ts';
import { artifactFor, jobFor, targetContext, tinyModelFixture } from '../helpers/browser-fixture.ts';
import { runJob } from '../helpers/run-job.ts';
import { pageOut } from '../helpers/page-bundle.ts';

/** This process's descendants whose executable is named `name`. */
function descendants(name: RegExp, root = process.pid): number[] {
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const child of childPids(pid) ?? []) {
      let command: string;
      try {
        command = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0')[0] ?? '';
      } catch {
        continue;
      }
      if (name.test(command)) found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

/** The profile folder a Firefox process was started with (`--profile <dir>`). */
function profileOf(pid: number): string | undefined {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const at = args.indexOf('--profile');
  return at >= 0 ? args[at + 1] : undefined;
}

const ENGINES = [
  { engine: 'firefox', process: /\/firefox(-esr)?$/ },
  { engine: 'webkit', process: /\/MiniBrowser$/ },
] as const;

const search = await findBrowsers({ wanted: ENGINES.map((entry) => entry.engine) });

test('a killed Firefox or WebKit fails one job; the next job measures', { timeout: 180_000, concurrency: ENGINES.length }, async (t) => {
  const out = await pageOut('browser-engine-killed');
  const fixture = await tinyModelFixture(out, 6);
  const artifact = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
  const target = createBrowserTarget();
  const context = targetContext(out, {
    browser: { browsers: search.found.map((candidate) => candidate.name) },
    run: { jobTimeoutMs: 60_000 },
    // Short waits on the dead browser: a poll that cannot return, a session that cannot end.
    timeouts: { browser: { closeMs: 3_000 }, android: { pagePollMs: 1_000 } },
  });
  t.after(() => target.dispose?.());
  const devices = await target.discover(context);

  const engines = ENGINES.map(({ engine, process: browserProcess }) => {
    const found = search.found.find((candidate) => candidate.engine === engine && candidate.source !== 'playwright');
    return t.test(engine, { skip: !found && `${engine} is not installed` }, async () => {
      const device = devices.find((entry) => entry.usable && entry.device.extra?.executable === found!.executablePath);
      assert.ok(device, `${engine}: ${JSON.stringify(devices.map((entry) => entry.reason ?? entry.device.id))}`);
      const long = jobFor(fixture, artifact, device.device, 'tfjs-wasm', { kernel: { minSamples: 100_000, minTimeMs: 50_000, maxTimeMs: 55_000 } });
      const running = runJob(target, long, context);
      // Kill once the job is under way (its page reported a phase), then a moment into it: a crash
      // mid-job, not a browser that never started. (A page in a tight loop may not report the loop itself.)
      const deadline = Date.now() + 60_000;
      while (!context.log.lines.some((line) => line.startsWith(`${device.device.id} `))) {
        assert.ok(Date.now() < deadline, 'the job never started');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      const pids = descendants(browserProcess);
      assert.ok(pids.length > 0, `no ${engine} browser process under this test`);
      const killedProfile = engine === 'firefox' ? profileOf(pids[0]!) : undefined;
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      const killed: JobResult = await running;
      assert.equal(killed.ok, false, 'the job whose browser was killed fails');
      if (!killed.ok) {
        assert.match(killed.failure.error.message, /went away|gone/);
        assert.equal(killed.failure.key.device, device.device.id);
      }
      const next = await runJob(target, jobFor(fixture, artifact, device.device, 'tfjs-cpu'), context);
      assert.ok(next.ok, `the next job: ${next.ok ? '' : next.failure.error.message}`);
      if (killedProfile) {
        // Each Firefox launch has a profile of its own (targets/browser/firefox-profile.ts), removed with it, killed or not.
        assert.match(basename(killedProfile), /^edgebench-firefox-profile-/);
        assert.equal(dirname(killedProfile), tmpdir());
        assert.equal(existsSync(killedProfile), false, 'the killed Firefox\'s profile is removed');
        const [relaunched] = descendants(browserProcess);
        const profile = profileOf(relaunched!);
        assert.notEqual(profile, killedProfile);
        assert.ok(existsSync(profile!), 'the relaunched Firefox runs in its own profile');
      }
    });
  });
  await Promise.all(engines);
});
