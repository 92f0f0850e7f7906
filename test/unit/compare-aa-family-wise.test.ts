/**
 * A/A on synthetic rounds: when nothing changed and the rounds of each run
 * scatter (fresh processes land differently), a comparison of many keys
 * (with the noise measured by a calibration of 40 A/A runs, without which
 * compare flags nothing at all) flags any key no more often than the
 * family-wise level, because p-values are adjusted across the keys (Holm).
 * Without the adjustment the same data flags many times more comparisons:
 * the test can tell the two apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRecords, type CompareOptions } from '../../reports/compare.ts';
import { calibrateNoise } from '../../reports/noise.ts';
import { measurement, record, roundLatencies } from '../fixtures/report-records.ts';

const KEYS = ['float32', 'float16', 'int8-dynamic', 'int8'] as const;
const RUNTIMES = ['tflite-node', 'litert-wasm'];

/** One run of 8 keys, each 3 rounds scattered ±8% around its own level. */
function run(seed: number, runId: string) {
  const measurements = RUNTIMES.flatMap((runtime, r) =>
    KEYS.map((variant, v) => measurement({ format: 'tflite', variant, runtime, rounds: roundLatencies({ rounds: 3, perRound: 10, center: 5 + 3 * v + 10 * r, roundSpread: 0.08, seed: seed * 100 + r * 10 + v }) })),
  );
  return record({ runId, measurements });
}

/** The A/A calibration of these keys: 40 runs of the same distribution (seeds apart from the compared runs'). */
const calibration = calibrateNoise(Array.from({ length: 40 }, (_, index) => run(100_000 + index, `aa-${index}`)));

function flaggedComparisons(options: CompareOptions, comparisons: number): number {
  let flagged = 0;
  for (let index = 0; index < comparisons; index += 1) {
    const comparison = compareRecords(run(2 * index + 1, 'a'), run(2 * index + 2, 'b'), options, { calibration });
    assert.ok(comparison.comparable);
    assert.equal(comparison.noiseSources.calibration?.runs, 40);
    assert.equal(comparison.family, 8);
    if (comparison.counts.regressed + comparison.counts.improved > 0) flagged += 1;
  }
  return flagged;
}

test('no change, between-round noise, 8 keys: at most the family-wise rate of comparisons flag anything (Holm)', () => {
  // A threshold of 0.1% leaves the decision to the test alone.
  const strict = { threshold: 0.001, alpha: 0.05, accuracyDropPoints: 1 } as const;
  const holm = flaggedComparisons({ ...strict, correction: 'holm' }, 300);
  // Expected ≤ 5% of 300 = 15; 27 is the 99.9% upper bound of Binomial(300, 0.05).
  assert.ok(holm <= 27, `Holm: ${holm} of 300 A/A comparisons flagged a key`);
  // Each key at 5% on its own, against a run-to-run bound that makes each test a little conservative
  // (about 1.6% per key instead of 5%): about 1 − 0.984^8 ≈ 12% of comparisons flag something.
  const unadjusted = flaggedComparisons({ ...strict, correction: 'none' }, 300);
  assert.ok(unadjusted >= 15, `without adjustment: ${unadjusted} of 300 (expected about 35)`);
  assert.ok(unadjusted > 3 * holm, `without adjustment ${unadjusted}, Holm ${holm}`);
});

test('at the defaults (5% threshold, family-wise alpha 0.01) an A/A comparison of 8 keys almost never flags', () => {
  const flagged = flaggedComparisons({ threshold: 0.05, alpha: 0.01, accuracyDropPoints: 1, correction: 'holm' }, 200);
  assert.ok(flagged <= 6, `${flagged} of 200`);
});
