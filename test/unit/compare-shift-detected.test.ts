/**
 * A real shift on synthetic rounds: a key 20% slower in every round, with
 * 5 rounds a run scattered ±4%, is regressed (and 20% faster is improved)
 * after Holm's adjustment over the keys, while the unchanged keys of the
 * same comparisons stay unflagged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareExitCode, compareRecords } from '../../reports/compare.ts';
import { measurement, record, roundLatencies } from '../fixtures/report-records.ts';

const options = { threshold: 0.05, alpha: 0.01, accuracyDropPoints: 1, correction: 'holm' } as const;

function runs(seed: number, factor: number) {
  const key = (variant: 'float32' | 'float16' | 'int8', center: number, offset: number, scale = 1) =>
    measurement({ format: 'tflite', variant, rounds: roundLatencies({ rounds: 5, center: center * scale, roundSpread: 0.04, seed: seed + offset }) });
  const baseline = record({ runId: 'a', measurements: [key('float32', 10, 1), key('float16', 12, 2), key('int8', 4, 3)] });
  const current = record({ runId: 'b', measurements: [key('float32', 10, 11, factor), key('float16', 12, 12), key('int8', 4, 13)] });
  return compareRecords(baseline, current, options);
}

test('20% slower with 5 rounds is regressed in at least 95 of 100 comparisons; the unchanged keys are not flagged', () => {
  let detected = 0;
  let falseFlags = 0;
  for (let seed = 0; seed < 100; seed += 1) {
    const comparison = runs(seed * 50, 1.2);
    assert.ok(comparison.comparable);
    const shifted = comparison.entries.find((entry) => entry.key.variant === 'float32')!;
    if (shifted.verdict === 'regressed') {
      detected += 1;
      assert.equal(compareExitCode(comparison), 1);
      assert.ok(shifted.latency!.ratio > 1.1 && shifted.latency!.ratio < 1.3, `ratio ${shifted.latency!.ratio}`);
      assert.deepEqual(shifted.latency!.rounds, { baseline: 5, current: 5 });
      assert.ok(shifted.latency!.adjustedP! >= shifted.latency!.pValue!, 'the adjusted p is never below the raw one');
    }
    falseFlags += comparison.entries.filter((entry) => entry.key.variant !== 'float32' && (entry.verdict === 'regressed' || entry.verdict === 'improved')).length;
  }
  assert.ok(detected >= 95, `detected ${detected} of 100`);
  assert.ok(falseFlags <= 2, `${falseFlags} unchanged keys flagged in 100 comparisons`);
});

test('20% faster with 5 rounds is improved', () => {
  let improved = 0;
  for (let seed = 0; seed < 40; seed += 1) {
    const comparison = runs(seed * 50 + 7, 1 / 1.2);
    assert.ok(comparison.comparable);
    if (comparison.entries.find((entry) => entry.key.variant === 'float32')!.verdict === 'improved') improved += 1;
    assert.equal(compareExitCode(comparison), 0, 'an improvement does not fail the gate');
  }
  assert.ok(improved >= 38, `improved ${improved} of 40`);
});
