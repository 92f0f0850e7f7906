/**
 * The statistics compare decides on, pinned against scipy: Student's t
 * tail (through the incomplete beta function), the rounds test (a pooled
 * two-sample t-test on log round medians, widened by run-to-run noise),
 * variance components, rounds needed, and the Holm and Benjamini-Hochberg
 * adjustments (R's p.adjust).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  benjaminiHochbergAdjust,
  chiSquareQuantile,
  holmAdjust,
  regularizedIncompleteBeta,
  roundsNeeded,
  roundsTest,
  studentTwoSidedP,
  varianceComponents,
} from '../../harness/core/significance.ts';
import { seeded } from '../fixtures/report-records.ts';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

test("Student's t two-sided p-values match scipy.stats.t.sf, whole and fractional df", () => {
  // 2 * scipy.stats.t.sf(|t|, df)
  const cases: [number, number, number][] = [
    [2.5, 3, 0.08770664700806556],
    [0.3, 1, 0.8144528418445154],
    [10, 2.5, 0.0044414957673074235],
    [1.96, 1000, 0.050273184955748736],
    [4.2, 7.3, 0.0036750570016489126],
    [-3, 4, 0.03994196807171883],
  ];
  for (const [t, df, p] of cases) close(studentTwoSidedP(t, df), p, 1e-12, `t=${t} df=${df}`);
  assert.equal(studentTwoSidedP(0, 5), 1);
  assert.equal(studentTwoSidedP(Infinity, 5), 0);
  // scipy.special.betainc(2, 5, 0.3) and (0.5, 10, 0.9)
  close(regularizedIncompleteBeta(0.3, 2, 5), 0.5798250000000003, 1e-13, 'I(0.3; 2, 5)');
  close(regularizedIncompleteBeta(0.9, 0.5, 10), 0.9999999999815198, 1e-13, 'I(0.9; 0.5, 10)');
});

test('without a prior the rounds test is the pooled two-sample t-test on log round medians (scipy ttest_ind)', () => {
  const baseline = [10.0, 10.4, 9.8].map(Math.log);
  const current = [12.1, 11.6, 12.5, 11.9].map(Math.log);
  const result = roundsTest({ baseline, current });
  close(result.t, 7.5335334155906555, 1e-9, 't');
  close(result.pValue!, 0.0006525727742053044, 1e-12, 'p');
  assert.equal(result.df, 5);
  close(Math.exp(result.difference), Math.exp((Math.log(12.1) + Math.log(11.6) + Math.log(12.5) + Math.log(11.9)) / 4 - (Math.log(10) + Math.log(10.4) + Math.log(9.8)) / 3), 1e-12, 'ratio of geometric means');
});

test('a between-round prior pools in by its df; run-to-run noise widens the variance (Satterthwaite df)', () => {
  const baseline = [10.0, 10.4, 9.8].map(Math.log);
  const current = [12.1, 11.6, 12.5, 11.9].map(Math.log);
  const result = roundsTest({ baseline, current, roundPrior: { variance: 0.002, df: 10 }, runVariance: { variance: 0.001, df: 4 } });
  // Computed with numpy/scipy from the definitions (see the module comment of roundsTest).
  close(result.round.variance, 0.001651251089647517, 1e-15, 'pooled σ²');
  assert.equal(result.round.df, 15);
  close(result.variance, 0.002963229802294385, 1e-15, 'variance of the difference');
  close(result.df, 8.269244124400078, 1e-9, 'df');
  close(result.pValue!, 0.010948109393095935, 1e-12, 'p');
});

test('one round each and no prior: no p-value (nothing measures the noise)', () => {
  const result = roundsTest({ baseline: [Math.log(10)], current: [Math.log(20)] });
  assert.equal(result.pValue, null);
  assert.equal(result.df, 0);
  // With a prior the same pair can be tested.
  assert.ok(roundsTest({ baseline: [Math.log(10)], current: [Math.log(20)], roundPrior: { variance: 0.0004, df: 20 } }).pValue! < 1e-6);
});

test('variance components: pooled within-run σ², τ² from the spread of run means beyond it, clipped at 0', () => {
  const { round, run } = varianceComponents([[0.0, 0.1, 0.05], [0.3, 0.35], [0.2]]);
  close(round.variance, 0.0020833333333333333, 1e-15, 'σ²');
  assert.equal(round.df, 3);
  close(run.variance, 0.017685185185185175, 1e-15, 'τ²');
  assert.equal(run.df, 2);
  // Runs that differ less than their rounds explain: τ² is 0, not negative.
  assert.equal(varianceComponents([[0, 0.2], [0.1, 0.1]]).run.variance, 0);
});

test('rounds needed: n ≥ 2σ² / ((|Δ| / (z + z_power))² − 2τ²); none when run-to-run noise alone is as large', () => {
  // z_{1-0.0025/2} + z_{0.8} = 3.864962673312068 (scipy norm.ppf); 2·0.01 / 0.0012252839371233236 = 16.32
  assert.equal(roundsNeeded({ logChange: Math.log(1.2), roundVariance: 0.01, runVariance: 0.0005, alpha: 0.0025 }), 17);
  assert.equal(roundsNeeded({ logChange: Math.log(1.2), roundVariance: 0.01, runVariance: 0.01, alpha: 0.0025 }), null);
  assert.equal(roundsNeeded({ logChange: Math.log(3), roundVariance: 1e-6, runVariance: 0, alpha: 0.01 }), 2, 'never fewer than 2');
});

test('Holm and Benjamini-Hochberg adjusted p-values match R p.adjust, in input order', () => {
  const p = [0.01, 0.04, 0.03, 0.005, 0.2];
  // p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2), "holm") / "BH"
  assert.deepEqual(holmAdjust(p).map((value) => +value.toFixed(12)), [0.04, 0.09, 0.09, 0.025, 0.2]);
  assert.deepEqual(benjaminiHochbergAdjust(p).map((value) => +value.toFixed(12)), [0.025, 0.05, 0.05, 0.025, 0.2]);
  assert.deepEqual(holmAdjust([0.5, 0.9]), [1, 1], 'capped at 1');
  assert.deepEqual(holmAdjust([]), []);
  assert.deepEqual(benjaminiHochbergAdjust([0.03]), [0.03], 'one key: unchanged');
});

test('chi-square quantiles (Wilson–Hilferty) against the table', () => {
  // Lower 5% points for 3, 10 and 19 df and the upper 5% point for 5 df (Abramowitz & Stegun table 26.8).
  for (const [p, df, exact, tolerance] of [[0.05, 3, 0.3518, 0.07], [0.05, 10, 3.9403, 0.01], [0.05, 19, 10.117, 0.01], [0.95, 5, 11.0705, 0.01]] as const) {
    const value = chiSquareQuantile(p, df);
    assert.ok(Math.abs(value / exact - 1) < tolerance, `χ²(${p}, ${df}) = ${value}, table ${exact}`);
  }
});

test('the upper bound of τ²: never below the estimate, wide from a few runs, tightening as runs accumulate', () => {
  // Runs of 3 rounds scattered ±5% around one level: no run-to-run part at all (τ = 0).
  const random = seeded(11);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const runs = Array.from({ length: 40 }, () => [0, 1, 2].map(() => 0.05 * gaussian()));
  const bound = (count: number) => varianceComponents(runs.slice(0, count)).run;
  for (const count of [4, 8, 40]) assert.ok(bound(count).upper! >= bound(count).variance, `${count} runs`);
  // A confidence bound scales with σ²/R here (≈ 0.00083): wide from 4 runs, within about twice it from 40.
  assert.ok(bound(4).upper! > bound(8).upper! && bound(8).upper! > bound(40).upper!, `${bound(4).upper}, ${bound(8).upper}, ${bound(40).upper}`);
  assert.ok(bound(4).upper! > 0.0015, `4 runs: ${bound(4).upper}`);
  assert.ok(bound(40).upper! < 0.0012, `40 runs: ${bound(40).upper}`);
});
