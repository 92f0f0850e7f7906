/**
 * The A/A calibration: from runs of the same code it stores each key's
 * between-round and run-to-run noise and its floor, for the machine it ran
 * on; compare uses it for the keys it has, ahead of the history, only on
 * that machine and only from 4 runs on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measurementId } from '../../harness/core/record.ts';
import { roundMedians } from '../../harness/core/rounds.ts';
import { varianceComponents } from '../../harness/core/significance.ts';
import { compareRecords } from '../../reports/compare.ts';
import { calibrateNoise, noiseFloor } from '../../reports/noise.ts';
import { measurement, record, roundLatencies } from '../fixtures/report-records.ts';

const options = { threshold: 0.05, alpha: 0.01, accuracyDropPoints: 1, correction: 'holm' } as const;

function run(seed: number, extraKey = false) {
  const measurements = [
    measurement({ format: 'tflite', variant: 'float32', rounds: roundLatencies({ rounds: 3, center: 10 * (1 + 0.03 * (seed % 3)), roundSpread: 0.04, seed }) }),
    ...(extraKey ? [measurement({ format: 'tflite', variant: 'int8', rounds: roundLatencies({ rounds: 3, center: 4, roundSpread: 0.04, seed: seed + 50 }) })] : []),
  ];
  return record({ runId: `aa-${seed}`, startedAt: new Date(Date.UTC(2025, 0, 1, 0, seed)).toISOString(), measurements });
}

test('calibrateNoise: per key σ² and τ² of the log round medians of the A/A runs, the floor, the machine', () => {
  const runs = [run(1, true), run(2, true), run(3), run(4, true)];
  const calibration = calibrateNoise(runs, new Date('2025-02-01T00:00:00Z'));
  const id = measurementId(runs[0]!.measurements[0]!);
  assert.deepEqual(Object.keys(calibration.keys), [id], 'only keys measured in every run');
  const expected = varianceComponents(runs.map((entry) => roundMedians(entry.measurements[0]!).map(Math.log)));
  const key = calibration.keys[id]!;
  assert.deepEqual([key.round, key.run], [expected.round, expected.run]);
  assert.equal(key.round.df, 8);
  assert.equal(key.run.df, 3);
  assert.equal(key.runs, 4);
  assert.equal(key.rounds, 3);
  assert.ok(key.run.upper! >= key.run.variance);
  assert.equal(key.floor, noiseFloor({ round: expected.round.variance, run: expected.run.upper! }, 3, 3), 'the floor holds the upper bound of the run-to-run noise');
  assert.ok(key.floor > 0.05 && key.floor < 0.5, `floor ${key.floor}`);
  assert.deepEqual(calibration.host, { cpu: 'Test CPU', cores: 2, os: 'Linux 6.1' });
  assert.deepEqual(calibration.runIds, ['aa-1', 'aa-2', 'aa-3', 'aa-4']);
  assert.equal(calibration.createdAt, '2025-02-01T00:00:00.000Z');
  assert.throws(() => calibrateNoise([run(1)]), /at least 2 runs/);
});

test('compare takes the run-to-run noise from a calibration of this machine, ahead of the history, and ignores one from elsewhere', () => {
  const calibration = calibrateNoise([run(1), run(2), run(3), run(4)]);
  const [baseline, current] = [run(5), run(6)];
  const history = [run(7), run(8), run(9), run(10)].map((entry) => ({ ...entry, startedAt: '2024-12-01T00:00:00.000Z' }));
  const calibrated = compareRecords(baseline, current, options, { history, calibration });
  assert.ok(calibrated.comparable);
  assert.deepEqual(calibrated.noiseSources.calibration, { createdAt: calibration.createdAt, runs: 4 });
  const noise = calibrated.entries[0]!.latency!.noise;
  assert.equal(noise.source, 'calibration');
  assert.equal(noise.runs, 4);
  const elsewhere = compareRecords(baseline, current, options, { history, calibration: { ...calibration, host: { ...calibration.host, cpu: 'Another CPU' } } });
  assert.ok(elsewhere.comparable);
  assert.equal(elsewhere.noiseSources.calibration, null);
  assert.equal(elsewhere.entries[0]!.latency!.noise.source, 'history');
  assert.equal(elsewhere.entries[0]!.latency!.noise.runs, 4);
  // A calibration of fewer than 4 runs is not used (its run-to-run estimate is often zero by chance): only the pair's rounds count.
  const short = compareRecords(baseline, current, options, { calibration: calibrateNoise([run(1), run(2), run(3)]) });
  assert.ok(short.comparable);
  assert.equal(short.entries[0]!.latency!.noise.source, 'none');
  assert.equal(short.entries[0]!.latency!.df, 4);
});
