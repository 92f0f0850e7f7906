/**
 * `bench compare` holds energy per inference to the same rules as latency:
 * per-round figures, the rounds test against earlier runs' noise, the
 * threshold, and one family-wise adjustment over every test; a key with
 * energy in only one run is decided on latency alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnergyRecord } from '../../harness/core/energy-record.ts';
import type { Measurement, RunRecord } from '../../harness/core/record.ts';
import { compareRecords, type Comparison } from '../../reports/compare.ts';
import { measurement, record, roundLatencies, seeded } from '../fixtures/report-records.ts';

const options = { threshold: 0.05, alpha: 0.01, accuracyDropPoints: 1, correction: 'holm' } as const;
const latencyRounds = roundLatencies({ rounds: 5, center: 10, roundSpread: 0.02, seed: 3 });

const figure = (mJ: number): EnergyRecord => ({ method: 'battery', window: 'loop', inferences: 100, durationMs: 1000, samples: 10, sampleHz: 10, meanPowerMw: mJ * 100, includesIdle: true, mJPerInference: mJ });

/** The same latency rounds every time; energy per round around `center` mJ, scattered ±`spread`. */
function withEnergy(center: number, seed: number, spread = 0.02): Measurement {
  const random = seeded(seed);
  const base = measurement({ rounds: latencyRounds.map((round) => [...round]) });
  const rounds = base.rounds!.map((round) => ({ ...round, energy: figure(center * (1 + spread * (2 * random() - 1))) }));
  return { ...base, rounds, energy: rounds[2]!.energy };
}

const earlier = (center: number): RunRecord[] => Array.from({ length: 6 }, (_, index) => record({ runId: `earlier-${index}`, startedAt: new Date(Date.UTC(2026, 0, 1, index)).toISOString(), measurements: [withEnergy(center, 50 + index)] }));

function only(comparison: Comparison) {
  assert.ok(comparison.comparable);
  assert.equal(comparison.entries.length, 1);
  return comparison.entries[0]!;
}

test('30% more energy per inference over 5 rounds each is a regression, latency unchanged', () => {
  const entry = only(compareRecords(record({ runId: 'a', measurements: [withEnergy(20, 1)] }), record({ runId: 'b', measurements: [withEnergy(26, 2)] }), options, { history: earlier(20) }));
  assert.equal(entry.latency!.verdict, 'same');
  assert.equal(entry.energy!.verdict, 'regressed');
  assert.equal(entry.verdict, 'regressed');
  assert.ok(entry.energy!.ratio > 1.2 && entry.energy!.ratio < 1.4, `ratio ${entry.energy!.ratio}`);
  assert.equal(entry.energy!.noise.source, 'history');
  assert.ok(entry.reasons.some((reason) => /^energy per inference 2\d\.\d → 2\d\.\d mJ \(\+/.test(reason)), entry.reasons.join(' | '));
});

test('less energy is an improvement; within the threshold is the same', () => {
  const improved = only(compareRecords(record({ runId: 'a', measurements: [withEnergy(20, 3)] }), record({ runId: 'b', measurements: [withEnergy(14, 4)] }), options, { history: earlier(20) }));
  assert.equal(improved.energy!.verdict, 'improved');
  const same = only(compareRecords(record({ runId: 'a', measurements: [withEnergy(20, 5)] }), record({ runId: 'b', measurements: [withEnergy(20.3, 6)] }), options, { history: earlier(20) }));
  assert.equal(same.energy!.verdict, 'same');
  assert.equal(same.verdict, 'same');
});

test('without earlier runs a large energy change is inconclusive, as latency would be', () => {
  const entry = only(compareRecords(record({ runId: 'a', measurements: [withEnergy(20, 7)] }), record({ runId: 'b', measurements: [withEnergy(30, 8)] }), options));
  assert.equal(entry.energy!.verdict, 'inconclusive');
  assert.equal(entry.verdict, 'inconclusive');
});

test('energy in one run only, or "none" in either, leaves the key to latency', () => {
  const plain = measurement({ rounds: latencyRounds.map((round) => [...round]) });
  const none = { ...plain, energy: { method: 'none' as const, reason: 'not measured: charging' } };
  for (const current of [plain, none]) {
    const entry = only(compareRecords(record({ runId: 'a', measurements: [withEnergy(20, 9)] }), record({ runId: 'b', measurements: [current] }), options, { history: earlier(20) }));
    assert.equal(entry.energy, undefined);
    assert.equal(entry.verdict, entry.latency!.verdict);
  }
});
