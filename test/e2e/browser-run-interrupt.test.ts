/**
 * Ctrl-C, SIGTERM and SIGHUP while a job runs in Chromium are the harness's
 * alone: the record is marked interrupted, the summary is printed, the exit
 * code says something was measured. (Playwright's own handlers, on by
 * default, used to close the browser and exit 130 first, leaving the record
 * `running` with no summary.)
 *
 * The three signals' runs go side by side, each in an out folder of its own
 * (one run holds an out folder's lock), on the tiny model with its agreement
 * reference made (test/helpers/tiny-referenced.ts: the reference is not what
 * they check): most of a run's time here is waiting on its process, its
 * browser and its first job. Each `bench` is a process of its own (the
 * signals are the point), started under the tests' loader
 * (test/helpers/bench-child.ts) rather than bin.js's tsx: the same `main`,
 * its handlers and exit code, without tsx compiling the harness in each.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunRecord } from '../../harness/core/record.ts';
import { startBench } from '../helpers/bench-child.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { makeTinyReferenced } from '../helpers/tiny-referenced.ts';

const CHROMIUM = '/usr/bin/chromium';
const outs: string[] = [];
after(() => Promise.all(outs.map((out) => rm(out, { recursive: true, force: true }))));

/** A fresh out folder with the tiny model and its reference. */
async function freshOut(): Promise<string> {
  const out = await pageOut('browser-interrupt');
  outs.push(out);
  await makeTinyReferenced(out);
  return out;
}

/**
 * Four browser jobs of at least 0.5 s each (each in a fresh page: the three after the first take seconds more than the test's 100 ms poll needs to signal), in its own process group as a terminal's foreground job is:
 * `bench` under the tests' loader (test/helpers/bench-child.ts: the CLI's own `main`, signal handlers and exit code), not tsx.
 * All four on tfjs-cpu, four batch sizes: the runtime is not the point, and TF.js's plain-JavaScript backend starts in each page with no wasm to compile or threads to spawn.
 */
function startRun(out: string) {
  return startBench(['run', '--out', out, '--model', 'tiny', '--targets', 'browser', '--browser', CHROMIUM, '--backends', 'tfjs-cpu', '--batch-sizes', '1,2,3,4', '--min-samples', '5', '--min-time', '500', '--warmup', '1', '--rounds', '1'], process.env);
}

/** Polls until a run record in `out` holds a measurement; returns its path. */
async function firstMeasurement(out: string, output: () => string): Promise<string> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const runs = existsSync(join(out, 'runs')) ? readdirSync(join(out, 'runs')) : [];
    for (const id of runs) {
      const path = join(out, 'runs', id, 'run.json');
      if (existsSync(path) && (JSON.parse(readFileSync(path, 'utf8')) as RunRecord).measurements.length > 0) return path;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no browser measurement within 180 s:\n${output()}`);
}

const SIGNALS = [
  ['SIGINT', true],
  ['SIGTERM', false],
  ['SIGHUP', true],
] as const;

describe('a signal during a browser job', { concurrency: SIGNALS.length }, () => {
  for (const [signal, toGroup] of SIGNALS) {
    test(`${signal} during a browser job: record interrupted, summary printed, exit 0`, { skip: !existsSync(CHROMIUM) && 'no Chromium at /usr/bin/chromium' }, async () => {
      const out = await freshOut();
      const { child, output, exit } = startRun(out);
      const path = await firstMeasurement(out, output);
      // Ctrl-C and a closed terminal signal the whole foreground group; `kill` the harness alone.
      process.kill(toGroup ? -child.pid! : child.pid!, signal);
      const { code } = await exit;
      const record = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
      assert.equal(record.status, 'interrupted', output());
      assert.ok(record.finishedAt);
      assert.ok(record.measurements.length >= 1 && record.measurements.length < 4, `${record.measurements.length} measurements`);
      assert.deepEqual(record.failures, [], 'the job stopped by the signal is not a failure');
      assert.equal(code, 0, output());
      assert.match(output(), /^model\s+artifact\s+device\s+runtime/m, 'the summary table was printed');
      assert.match(output(), new RegExp(`interrupted: \\d+ measurement\\(s\\) kept in ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.ok(!existsSync(join(out, 'bench.lock')), 'the out folder is unlocked');
    });
  }
});
