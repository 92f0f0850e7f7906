/**
 * `bench run --dry-run` lists every job with an estimate and the total, and
 * runs none: no run record, no reference, nothing evaluated. Without history
 * the estimates come from a one-inference probe; after a real run, from that
 * run. `bench all --dry-run` on an empty folder plans what retraining and
 * conversion will make, without making any of it, every job and the host
 * work estimated from the figures shipped with edgebench.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { evalPackDir, runsDir } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { dryRun, type DryRunOutcome } from '../../harness/dry-run.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { bench as benchCli } from '../helpers/cli.ts';
import { nodeTargetProbedOnce } from '../helpers/node-target-once.ts';
import { makeTinyReferenced } from '../helpers/tiny-referenced.ts';
import { tempDir } from '../helpers/tmp.ts';

const quick = { warmupIterations: 1, minSamples: 5, minTimeMs: 0 };
let out: string;

before(async () => {
  out = await tempDir('dry-run');
  await makeTinyArtifact(out);
});
after(() => rm(out, { recursive: true, force: true }));

async function bench(args: string[]): Promise<{ result: DryRunOutcome & { dryRun: boolean }; stderr: string }> {
  const run = await benchCli([...args, '--json']);
  assert.equal(run.code, 0, run.stderr);
  return { result: JSON.parse(run.stdout), stderr: run.stderr };
}

test('bench run --dry-run: each job with a probe estimate and the total, and nothing run', async () => {
  const { result, stderr } = await bench(['run', '--dry-run', '--out', out, '--model', 'tiny', '--targets', 'node', '--backends', 'tfjs-wasm,tfjs-cpu', '--min-samples', '5', '--min-time', '0', '--warmup', '1']);
  assert.equal(result.dryRun, true);
  assert.deepEqual(result.jobs.map((job) => job.id).sort(), ['tiny/tfjs/float32@node:host/tfjs-cpu#1', 'tiny/tfjs/float32@node:host/tfjs-wasm#1']);
  for (const job of result.jobs) {
    assert.equal(job.estimate.source, 'probe', job.id);
    assert.ok(job.estimate.seconds !== undefined && job.estimate.seconds > 0, `${job.id}: ${job.estimate.seconds}`);
  }
  assert.equal(result.unknown, 0);
  assert.ok(Math.abs(result.knownSeconds - result.jobs.reduce((sum, job) => sum + (job.estimate.seconds ?? 0), 0)) < 1e-9);
  assert.match(stderr, /2 jobs, total ~\d+ s; nothing was measured \(dry run\)/);
  assert.equal(existsSync(runsDir(out)), false, 'no run record');
  assert.equal(existsSync(join(evalPackDir(out, 'tiny'), 'reference.json')), false, 'no reference made');
});

test('after a real run, the estimates come from its history', async (t) => {
  // A folder of its own, the tiny model's agreement reference already made there (the run made it in a TF.js worker of its
  // own, which the estimate does not read); the first test's folder must stay without one.
  const measuredOut = await tempDir('dry-run-history');
  t.after(() => rm(measuredOut, { recursive: true, force: true }));
  await makeTinyReferenced(measuredOut);
  // One round of tfjs-cpu: a second round, and tfjs-wasm's start (its wasm compiled in each worker), showed nothing more.
  const config = parseConfig({ out: measuredOut, models: ['tiny'], run: { targets: ['node'], backends: ['tfjs-cpu'], rounds: 1, ...quick } });
  // The run and the dry run after it share one Node target, probed once, its job run in this process (isolate: false, a
  // user's option too): the command's own path and the probe workers are the first test's, and what this one checks (the
  // estimate read from the history) is the dry run's, wherever the job ran.
  const targets = nodeTargetProbedOnce({ isolate: false });
  const { record } = await runBenchmarks({ config, log: memoryLogger('quiet'), out: measuredOut, targets });
  const measured = record.measurements[0]!;
  const result = await dryRun({ config, log: memoryLogger('quiet'), out: measuredOut, targets });
  assert.equal(result.jobs.length, 1);
  assert.equal(result.jobs[0]!.estimate.source, 'history');
  // The job took its rounds' own time (other jobs' rounds would run in between).
  const span = (entry: { startedAt: string; finishedAt: string }) => (Date.parse(entry.finishedAt) - Date.parse(entry.startedAt)) / 1000;
  assert.ok(measured.rounds && measured.rounds.length === config.run.rounds);
  assert.equal(result.jobs[0]!.estimate.seconds, measured.rounds.reduce((sum, round) => sum + span(round), 0));
});

test('bench all --dry-run on an empty folder plans the artifacts to come, and makes none', async () => {
  const empty = await tempDir('dry-run-empty');
  try {
    const { result, stderr } = await bench(['all', '--dry-run', '--out', empty, '--model', 'mobilenet_v2', '--targets', 'node', '--backends', 'tfjs-wasm,tflite-node', '--variants', 'float32,int8']);
    assert.deepEqual(result.jobs.map((job) => job.id), [
      'mobilenet_v2/tfjs/float32@node:host/tfjs-wasm#1',
      'mobilenet_v2/tflite/float32@node:host/tflite-node#1',
      'mobilenet_v2/tflite/int8@node:host/tflite-node#1',
      // bench all runs the retrain workload too, on the runtimes that train.
      'mobilenet_v2/tfjs/float32@node:host/tfjs-wasm#100+retrain',
    ]);
    // Nothing to probe, no history: the figures shipped with edgebench, scaled to this CPU.
    assert.ok(result.jobs.every((job) => job.estimate.source === 'shipped' && job.estimate.seconds! > 0), JSON.stringify(result.jobs));
    assert.deepEqual(result.host.map((entry) => entry.subject), ['dataset', 'mobilenet_v2']);
    assert.ok(result.host.every((entry) => entry.seconds! > 0));
    assert.match(stderr, /mobilenet_v2: retrain \(bottlenecks, head, Mobile artifact\); convert float32, int8: ~.* \(shipped\)/);
    assert.match(stderr, /cold estimates: figures shipped with edgebench \(AMD EPYC .*, 2026-12-06\), this CPU .* by a probe/);
    assert.match(stderr, /4 jobs, total ~.* \(host work ~.*, jobs ~[^+]*\); nothing was measured/);
    assert.equal(existsSync(join(empty, 'datasets')), false, 'no dataset generated');
    assert.equal(existsSync(join(empty, 'models')), false, 'nothing retrained');
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});
