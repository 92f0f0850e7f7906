/**
 * Run-to-run noise: when a whole run lands ±6% off (the machine's state for
 * that run, which its rounds share), the rounds of two runs alone cannot see
 * it and would flag most A/A comparisons, so without earlier runs compare
 * flags nothing (inconclusive); the earlier runs of the same keys on the
 * same machine measure it, and with them the A/A rate is back under the
 * family-wise level. Earlier runs from another machine, or the current run
 * itself, never count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRecords } from '../../reports/compare.ts';
import { seeded, measurement, record, roundLatencies } from '../fixtures/report-records.ts';
import type { RunRecord } from '../../harness/core/record.ts';

const options = { threshold: 0.001, alpha: 0.05, accuracyDropPoints: 1, correction: 'holm' } as const;

/** A run of 6 keys whose level is off by one draw of ±6% for the whole run, with rounds ±2% around it. */
function run(seed: number, runId: string, cpu = 'Test CPU'): RunRecord {
  const random = seeded(seed);
  const shift = Math.exp(0.06 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
  const measurements = (['float32', 'float16', 'int8'] as const).flatMap((variant, v) =>
    ['tflite-node', 'litert-wasm'].map((runtime, r) => measurement({ format: 'tflite', variant, runtime, rounds: roundLatencies({ rounds: 3, perRound: 10, center: (5 + 4 * v + 9 * r) * shift, roundSpread: 0.02, sampleSpread: 0.02, seed: seed * 10 + v * 2 + r }) })),
  );
  return record({ runId, startedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, seed)).toISOString(), measurements, host: { cpu } });
}

test('run-level noise: rounds alone would flag most A/A comparisons, so without earlier runs none is flagged; with 8 earlier runs the flag rate is within the family-wise level', () => {
  let roundsFooled = 0;
  let roundsOnly = 0;
  let withHistory = 0;
  const comparisons = 150;
  for (let index = 0; index < comparisons; index += 1) {
    const base = 1000 * (index + 1);
    const history = Array.from({ length: 8 }, (_, offset) => run(base + offset, `h${offset}`));
    const baseline = run(base + 8, 'a');
    const current = run(base + 9, 'b');
    const alone = compareRecords(baseline, current, options);
    const informed = compareRecords(baseline, current, options, { history: [...history, baseline] });
    assert.ok(alone.comparable && informed.comparable);
    assert.equal(informed.noiseSources.historyRuns, 9);
    assert.equal(informed.entries[0]!.latency!.noise.source, 'history');
    if (alone.entries.some((entry) => entry.latency!.adjustedP! < options.alpha)) roundsFooled += 1;
    if (alone.counts.regressed + alone.counts.improved > 0) roundsOnly += 1;
    if (informed.counts.regressed + informed.counts.improved > 0) withHistory += 1;
  }
  assert.ok(roundsFooled >= 60, `rounds alone would flag ${roundsFooled} of ${comparisons} (run shifts of ±6% against rounds of ±2%)`);
  assert.equal(roundsOnly, 0, 'so without earlier runs nothing is flagged: those keys are inconclusive');
  // 5% of 150 is 7.5; 16 is the 99.9% upper bound of Binomial(150, 0.05).
  assert.ok(withHistory <= 16, `with history: ${withHistory} of ${comparisons}`);
});

test('fewer than 4 earlier runs do not measure run-to-run noise: two runs that happened to agree are not taken for a quiet machine', () => {
  const [baseline, current] = [run(1, 'a'), run(2, 'b')];
  const three = compareRecords(baseline, current, options, { history: [run(3, 'h3'), run(4, 'h4'), run(5, 'h5')] });
  const four = compareRecords(baseline, current, options, { history: [run(3, 'h3'), run(4, 'h4'), run(5, 'h5'), run(6, 'h6')] });
  assert.ok(three.comparable && four.comparable);
  assert.equal(three.entries[0]!.latency!.noise.source, 'none');
  assert.equal(three.entries[0]!.latency!.noise.runCv, null);
  assert.equal(four.entries[0]!.latency!.noise.source, 'history');
  assert.equal(four.entries[0]!.latency!.noise.runs, 4);
});

test("earlier runs of another machine and the current run itself do not estimate the noise", () => {
  const baseline = run(1, 'a');
  const current = run(2, 'b');
  const elsewhere = Array.from({ length: 6 }, (_, offset) => run(10 + offset, `x${offset}`, 'Other CPU'));
  const comparison = compareRecords(baseline, current, options, { history: [...elsewhere, current] });
  assert.ok(comparison.comparable);
  assert.equal(comparison.noiseSources.historyRuns, 0);
  for (const entry of comparison.entries) {
    assert.equal(entry.latency!.noise.source, 'none');
    assert.equal(entry.latency!.noise.runCv, null);
  }
});
