/**
 * Rounds end to end on real runtimes: `runBenchmarks` with rounds=2 on Node
 * (tfjs-wasm and tfjs-cpu, a tiny model) measures each job twice in fresh
 * worker processes, interleaved A B A B, pinned to a CPU, and writes every
 * round (its own samples, load and statistics) plus the run's conditions;
 * `bench compare` reads two such runs and decides on their rounds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../harness/cli.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { computeLatencyStats } from '../../harness/core/stats.ts';
import { readRunRecord } from '../../harness/history.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { compareRecords } from '../../reports/compare.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';

let out: string;
let tiny: TinyArtifact;

before(async () => {
  out = mkdtempSync(join(tmpdir(), 'edgebench-rounds-'));
  tiny = await makeTinyArtifact(out);
});
after(() => rmSync(out, { recursive: true, force: true }));

const run = { targets: ['node'], backends: ['tfjs-wasm', 'tfjs-cpu'], rounds: 2, warmupIterations: 2, minSamples: 12, minTimeMs: 0, maxTimeMs: 10_000, cpus: [0], cooldownMs: 50 };

test('rounds=2 on Node writes each round, interleaved, and compare decides on the rounds', async () => {
  const config = parseConfig({ out, models: ['tiny'], run });
  const first = await runBenchmarks({ config, log: memoryLogger('quiet'), out });
  const second = await runBenchmarks({ config, log: memoryLogger('quiet'), out });

  const record = await readRunRecord(first.recordPath);
  assert.deepEqual(record.failures, []);
  assert.deepEqual(record.conditions, { rounds: 2, order: 'interleaved', cooldownMs: 50, threads: record.conditions!.threads, affinity: { cpus: [0], applied: true } });
  assert.ok(record.conditions!.threads >= 1);
  const [wasm, cpu] = ['tfjs-wasm', 'tfjs-cpu'].map((runtime) => record.measurements.find((entry) => entry.key.runtime === runtime)!);
  for (const measurement of [wasm!, cpu!]) {
    const what = measurement.key.runtime;
    assert.equal(measurement.rounds?.length, 2, `${what}: two rounds`);
    assert.deepEqual(measurement.rounds!.map((round) => round.round), [1, 2]);
    for (const round of measurement.rounds!) {
      // Each round's share: ceil(12 / 2) samples; the whole warm-up (2) and a load of its own, as a fresh process.
      assert.ok(round.samples.length >= 6, `${what} round ${round.round}: ${round.samples.length} samples`);
      assert.deepEqual(round.latency, computeLatencyStats(round.samples));
      assert.equal(round.warmup.iterations, 2);
      assert.ok(round.loadMs > 0 && round.firstInferenceMs > 0);
    }
    assert.deepEqual(measurement.samples, measurement.rounds!.flatMap((round) => round.samples), 'the pooled samples are the rounds in order');
    assert.equal(measurement.evaluation?.images, tiny.images, 'evaluated once, in round 1');
    assert.equal(measurement.evaluation?.accuracy, tiny.accuracy);
  }
  // Interleaved: round 1 of both jobs before round 2 of either.
  const starts = [wasm!.rounds![0]!, cpu!.rounds![0]!, wasm!.rounds![1]!, cpu!.rounds![1]!].map((round) => round.startedAt);
  assert.deepEqual([...starts].sort(), starts, `rounds in order A1 B1 A2 B2: ${starts.join(', ')}`);

  // compare reads the rounds of both records.
  const comparison = compareRecords(record, await readRunRecord(second.recordPath), config.compare);
  assert.ok(comparison.comparable);
  assert.equal(comparison.entries.length, 2);
  for (const entry of comparison.entries) {
    assert.deepEqual(entry.latency!.rounds, { baseline: 2, current: 2 });
    assert.equal(entry.latency!.method, 'rounds');
    assert.ok(entry.latency!.pValue !== null && entry.latency!.adjustedP! >= entry.latency!.pValue!);
    assert.notEqual(entry.latency!.noise.floor, null);
    assert.equal(entry.accuracy.verdict, 'same');
  }
  assert.equal(comparison.family, 2);
  // The command on the same folder: the first run is the second's only earlier run, so the noise comes from the rounds.
  const code = await main(['compare', '--out', out, '--baseline', first.runId, second.runId, '--quiet']);
  assert.ok(code === 0 || code === 1, `the command compares the two runs (exit 0 or 1, not 2 or 3): exit ${code}`);
});
