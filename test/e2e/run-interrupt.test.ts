/**
 * `bench run` stopped mid-way: SIGKILL after the first measurement leaves a
 * valid record holding it (status still `running`); Ctrl-C (SIGINT) stops
 * cleanly, marks the record `interrupted` and says where it is.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../harness/core/record.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { benchProcessArgs } from '../helpers/bench-child.ts';
let out: string;

before(async () => {
  out = mkdtempSync(join(tmpdir(), 'edgebench-interrupt-'));
  // Without its agreement reference: with it made (the build cache's), the Ctrl-C test once read a record `complete` in
  // a whole tier (2026-12-07, not understood, not seen alone); each run makes it in a TF.js worker before its first job.
  await makeTinyArtifact(out);
});
after(() => rmSync(out, { recursive: true, force: true }));

/** Four jobs of at least 1.5 s each: plenty of time to stop the run after the first. `bench` under the tests' loader, not tsx (the signals are the point). */
function startRun(options: { ownProcessGroup?: boolean } = {}): { child: ChildProcess; output: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(
    process.execPath,
    benchProcessArgs(['run', '--out', out, '--model', 'tiny', '--targets', 'node', '--backends', 'tfjs-wasm,tfjs-cpu', '--batch-sizes', '1,2', '--min-samples', '5', '--min-time', '1500', '--warmup', '1', '--rounds', '1']),
    { stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup ?? false },
  );
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, output: () => text, exit };
}

/** Polls until a run record other than `known` holds a measurement; returns its path. */
async function firstMeasurement(known: Set<string>, exit: Promise<unknown>, output: () => string): Promise<string> {
  let exited = false;
  void exit.then(() => (exited = true));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    assert.ok(!exited, `bench run ended before measuring anything:\n${output()}`);
    const runs = existsSync(join(out, 'runs')) ? readdirSync(join(out, 'runs')).filter((id) => !known.has(id)) : [];
    for (const id of runs) {
      const path = join(out, 'runs', id, 'run.json');
      if (!existsSync(path)) continue;
      const record = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
      if (record.measurements.length > 0) return path;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no measurement within 120 s:\n${output()}`);
}

function knownRuns(): Set<string> {
  return new Set(existsSync(join(out, 'runs')) ? readdirSync(join(out, 'runs')) : []);
}

test('SIGKILL after the first measurement leaves a valid record that keeps it', async () => {
  const known = knownRuns();
  const { child, output, exit } = startRun();
  const path = await firstMeasurement(known, exit, output);
  child.kill('SIGKILL');
  assert.equal((await exit).signal, 'SIGKILL');
  const record = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
  assert.equal(record.status, 'running', 'killed: nobody could mark it');
  assert.ok(record.measurements.length >= 1 && record.measurements.length < 4, `${record.measurements.length} measurements`);
  assert.ok(record.measurements[0]!.samples.length >= 5);
  assert.deepEqual(record.artifacts.map((artifact) => artifact.id), ['tiny/tfjs/float32']);
});

test('Ctrl-C stops after the current job, marks the record interrupted and names it', async () => {
  const known = knownRuns();
  // Its own process group, so SIGINT reaches the harness and its worker at once, as Ctrl-C in a terminal does.
  const { child, output, exit } = startRun({ ownProcessGroup: true });
  const path = await firstMeasurement(known, exit, output);
  process.kill(-child.pid!, 'SIGINT');
  const { code } = await exit;
  const record = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
  assert.equal(record.status, 'interrupted');
  assert.ok(record.finishedAt);
  assert.ok(record.measurements.length >= 1 && record.measurements.length < 4, `${record.measurements.length} measurements`);
  assert.deepEqual(record.failures, [], 'the job stopped by Ctrl-C is not a failure');
  assert.equal(code, 0, 'something was measured');
  assert.match(output(), new RegExp(`interrupted: \\d+ measurement\\(s\\) kept in ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});
