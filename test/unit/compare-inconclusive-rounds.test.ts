/**
 * Keys compare cannot decide say so and say what would: one round each with
 * no earlier runs (nothing measures the noise) asks for rounds; a large but
 * unconfirmed change says about how many rounds per run would decide it; a
 * change inside the threshold or inside the key's noise floor is "same", and
 * a key whose floor is wide is named as too noisy to gate.
 * Records from before rounds read as one round each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measurementId } from '../../harness/core/record.ts';
import { compareExitCode, compareRecords, type Comparison } from '../../reports/compare.ts';
import { noiseFloor, type NoiseCalibration } from '../../reports/noise.ts';
import { describeNoisyKeys } from '../../reports/compare-text.ts';
import { renderComparisonMarkdown } from '../../reports/markdown.ts';
import { latencies, measurement, record } from '../fixtures/report-records.ts';

const options = { threshold: 0.05, alpha: 0.01, accuracyDropPoints: 1, correction: 'holm' } as const;

function only(comparison: Comparison) {
  assert.ok(comparison.comparable);
  assert.equal(comparison.entries.length, 1);
  return comparison.entries[0]!;
}

test('one round each (records from before rounds) and no earlier runs: inconclusive, asks for --rounds', () => {
  const entry = only(compareRecords(record({ runId: 'a', measurements: [measurement({ samples: latencies(200, 10, 0.05, 1) })] }), record({ runId: 'b', measurements: [measurement({ samples: latencies(200, 14, 0.05, 2) })] }), options));
  assert.equal(entry.verdict, 'inconclusive', 'hundreds of samples from one process each are not evidence');
  assert.deepEqual(entry.latency!.rounds, { baseline: 1, current: 1 });
  assert.equal(entry.latency!.pValue, null);
  assert.equal(entry.latency!.method, null);
  assert.match(entry.reasons[0]!, /--rounds 3 or more/);
  assert.equal(compareExitCode(compareRecords(record({ runId: 'a', measurements: [measurement({ samples: [10, 10.1] })] }), record({ runId: 'b', measurements: [measurement({ samples: [14, 14.1] })] }), options), { strict: true }), 2);
});

/** A calibration of 8 runs saying: rounds scatter ±`roundCv` (over `roundDf` df), whole runs do not move. */
function quietCalibration(id: string, roundCv: number, roundDf: number): NoiseCalibration {
  const round = { variance: roundCv ** 2, df: roundDf };
  return {
    schema: 1,
    benchmark: { name: 'edgebench', version: 1 },
    host: { cpu: 'Test CPU', cores: 2, os: 'Linux 6.1' },
    createdAt: '2025-01-01T00:00:00.000Z',
    runIds: [],
    keys: { [id]: { round, run: { variance: 0, df: 7, upper: 0 }, runs: 8, rounds: 3, floor: noiseFloor({ round: round.variance, run: 0 }, 3, 3) } },
  };
}

test('a large change the rounds cannot confirm: inconclusive, with the rounds per run that would decide it', () => {
  // Rounds scattered ±5%, 14% slower: past the noise floor (±8%), p ≈ 0.02 on 3 rounds each, not below 0.01.
  const baseline = measurement({ rounds: [[9.5], [10], [10.5]] });
  const current = measurement({ rounds: [[9.5 * 1.14], [10 * 1.14], [10.5 * 1.14]] });
  const calibration = quietCalibration(measurementId(baseline), 0.05, 2);
  const entry = only(compareRecords(record({ runId: 'a', measurements: [baseline] }), record({ runId: 'b', measurements: [current] }), options, { calibration }));
  assert.equal(entry.verdict, 'inconclusive');
  assert.ok(Math.abs(entry.latency!.ratio - 1.14) < 1e-9, `ratio ${entry.latency!.ratio}`);
  assert.ok(entry.latency!.noise.floor! < 0.14, `floor ${entry.latency!.noise.floor}`);
  assert.ok(entry.latency!.pValue! > 0.01 && entry.latency!.pValue! < 0.05, `p ${entry.latency!.pValue}`);
  const needed = entry.latency!.roundsNeeded!;
  assert.ok(needed > 3 && needed < 10, `rounds needed ${needed}`);
  assert.match(entry.reasons[0]!, new RegExp(`about ${needed} rounds per run`));
});

test('inside the threshold, or inside the noise floor, is same', () => {
  const steady = (center: number) => measurement({ rounds: [latencies(20, center * 0.99, 0.01, 1), latencies(20, center, 0.01, 2), latencies(20, center * 1.01, 0.01, 3)] });
  const small = only(compareRecords(record({ runId: 'a', measurements: [steady(10)] }), record({ runId: 'b', measurements: [steady(10.3)] }), options));
  assert.equal(small.verdict, 'same');
  assert.match(small.reasons[0]!, /within ±5\.0%/);
  // Rounds ±40%: a 12% change is far inside what two runs of the same code show.
  const noisy = (scale: number) => measurement({ rounds: [[6 * scale], [10 * scale], [16 * scale]] });
  const inside = only(compareRecords(record({ runId: 'a', measurements: [noisy(1)] }), record({ runId: 'b', measurements: [noisy(1.12)] }), options));
  assert.equal(inside.verdict, 'same');
  assert.ok(inside.latency!.noise.floor! > 0.5, `floor ${inside.latency!.noise.floor}`);
  assert.match(inside.reasons[0]!, /inside its noise floor ±\d+\.\d%/);
  // Such a key is named as too noisy to gate, in the text and the markdown.
  const noisyLite = (scale: number) => measurement({ format: 'tflite', variant: 'int8', rounds: [[6 * scale], [10 * scale], [16 * scale]] });
  const comparison = compareRecords(record({ runId: 'a', measurements: [noisyLite(1), steady(10)] }), record({ runId: 'b', measurements: [noisyLite(1.12), steady(10.3)] }), options);
  assert.ok(comparison.comparable);
  assert.match(describeNoisyKeys(comparison) ?? '', /^1 key is too noisy to see a change under their floor \(±\d+\.\d%\)/);
  assert.match(renderComparisonMarkdown(comparison), /⚠️ 1 key is too noisy/);
  const quiet = compareRecords(record({ runId: 'a', measurements: [steady(10)] }), record({ runId: 'b', measurements: [steady(10.3)] }), options);
  assert.ok(quiet.comparable);
  assert.equal(describeNoisyKeys(quiet), null);
});
