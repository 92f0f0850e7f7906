/**
 * A real shift on synthetic rounds: a key 20% slower in every round, with
 * 5 rounds a run scattered ±4% and the 20 earlier runs a CI folder keeps, is
 * regressed (and 20% faster is improved) after Holm's adjustment over the
 * keys, while the unchanged keys of the same comparisons stay unflagged.
 * Without earlier runs the same shift is inconclusive: two runs cannot tell
 * it from the machine moving a whole run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareExitCode, compareRecords } from '../../reports/compare.ts';
import { earlierRuns, measurement, record, roundLatencies } from '../fixtures/report-records.ts';

const options = { threshold: 0.05, alpha: 0.01, accuracyDropPoints: 1, correction: 'holm' } as const;

function runs(seed: number, factor: number, history = 20) {
  const key = (variant: 'float32' | 'float16' | 'int8', center: number, offset: number, scale = 1) =>
    measurement({ format: 'tflite', variant, rounds: roundLatencies({ rounds: 5, center: center * scale, roundSpread: 0.04, seed: seed + offset }) });
  const baseline = record({ runId: 'a', measurements: [key('float32', 10, 1), key('float16', 12, 2), key('int8', 4, 3)] });
  const current = record({ runId: 'b', measurements: [key('float32', 10, 11, factor), key('float16', 12, 12), key('int8', 4, 13)] });
  return compareRecords(baseline, current, options, { history: earlierRuns(baseline, { count: history, roundSpread: 0.04, runSpread: 0, seed }) });
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

test('without earlier runs the same 20% shift is inconclusive, and says what would decide it', () => {
  for (const history of [0, 3]) {
    const comparison = runs(4242, 1.2, history);
    assert.ok(comparison.comparable);
    const shifted = comparison.entries.find((entry) => entry.key.variant === 'float32')!;
    assert.equal(shifted.verdict, 'inconclusive', shifted.reasons.join('; '));
    assert.ok(shifted.latency!.adjustedP! < 0.01, 'the rounds alone would call it significant');
    assert.equal(shifted.latency!.noise.runCv, null);
    assert.match(shifted.reasons[0]!, new RegExp(`not known yet \\(${history} earlier runs, 4 needed\\): keep the out folder's earlier runs or run \`bench calibrate\``));
    assert.equal(compareExitCode(comparison), 0);
    assert.equal(compareExitCode(comparison, { strict: true }), 2);
  }
});
