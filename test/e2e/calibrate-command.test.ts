/**
 * `bench calibrate` on real runtimes: four A/A runs of a tiny model on Node
 * tfjs-cpu, in rounds (each round a worker of its own: cpu rather than wasm,
 * whose module every worker compiles again, as the noise is the point, not
 * the runtime), store each key's noise for this machine in
 * `<out>/calibration.json`, and `bench compare` then takes the run-to-run
 * noise from it. The runs share one discovery (the command's own, since
 * 2026-12-07: each run probed the runtimes again).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostInfo } from '../../harness/core/host.ts';
import { listRuns } from '../../harness/history.ts';
import type { Comparison } from '../../reports/compare.ts';
import type { NoiseCalibration } from '../../reports/noise.ts';
import { bench } from '../helpers/cli.ts';
import { makeTinyReferenced } from '../helpers/tiny-referenced.ts';

let out: string;

before(async () => {
  out = mkdtempSync(join(tmpdir(), 'edgebench-calibrate-'));
  // With its agreement reference made (the first A/A run made it in a TF.js worker): the noise is what this checks.
  await makeTinyReferenced(out);
});
after(() => rmSync(out, { recursive: true, force: true }));

test('bench calibrate stores the A/A noise of each key for this machine; bench compare uses it', async () => {
  const { code } = await bench(['calibrate', '--out', out, '--model', 'tiny', '--targets', 'node', '--backends', 'tfjs-cpu', '--runs', '4', '--rounds', '2', '--min-samples', '6', '--min-time', '0', '--warmup', '1', '--eval-limit', '3', '--quiet']);
  assert.equal(code, 0);
  const { runs } = await listRuns(out);
  assert.equal(runs.length, 4, 'the A/A runs are ordinary runs');
  const calibration = JSON.parse(readFileSync(join(out, 'calibration.json'), 'utf8')) as NoiseCalibration;
  const host = hostInfo();
  assert.deepEqual(calibration.host, { cpu: host.cpu, cores: host.cores, os: host.os });
  assert.deepEqual(calibration.runIds, runs.map((run) => run.runId));
  const ids = Object.keys(calibration.keys);
  assert.deepEqual(ids, ['tiny/tfjs/float32@node:host/tfjs-cpu[batch=1]#batch=1']);
  const key = calibration.keys[ids[0]!]!;
  assert.deepEqual([key.runs, key.rounds, key.round.df, key.run.df], [4, 2, 4, 3]);
  assert.ok(key.round.variance > 0, 'real rounds differ');
  assert.ok(key.floor > 0 && Number.isFinite(key.floor));

  const { stdout } = await bench(['compare', '--out', out, '--baseline', runs[0]!.runId, runs[1]!.runId, '--json', '--history', '0']);
  const comparison = JSON.parse(stdout) as Comparison;
  assert.ok(comparison.comparable);
  assert.deepEqual(comparison.noiseSources.calibration, { createdAt: calibration.createdAt, runs: 4 });
  assert.equal(comparison.entries[0]!.latency!.noise.source, 'calibration');
});
