/**
 * The Mann-Whitney U test against values computed independently with Python:
 * scipy.stats.mannwhitneyu 1.17 for the statistic and the normal approximation,
 * and a brute-force enumeration of every split (itertools.combinations) for the
 * exact p-value with ties, where scipy's `exact` ignores ties.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mannWhitneyU } from '../../harness/core/significance.ts';

const close = (actual: number, expected: number, relative = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${actual} should be within ${relative} of ${expected}`);

const large = {
  a: [10.0, 12.028, 12.508, 11.317, 9.866, 9.806, 11.51, 13.728, 14.737, 13.928, 12.36, 11.793, 13.065, 15.323, 16.809, 16.473, 14.941, 13.939, 14.705, 16.851, 18.722, 18.915, 17.569, 16.239, 16.465, 18.356, 20.491, 21.223, 20.197, 18.673],
  b: [13.0, 12.404, 10.815, 9.991, 10.987, 13.185, 14.862, 14.773, 13.297, 12.09, 12.557, 14.568, 16.57, 17.021, 15.803, 14.334, 14.261, 15.95, 18.144, 19.124, 18.287, 16.699, 16.118, 17.376, 19.613, 21.071, 20.706, 19.151, 18.134, 18.886, 21.014, 22.859, 23.021, 21.65, 20.303],
};

test('fully separated samples of 3: U = 0 and the exact p-value is 2/20', () => {
  const result = mannWhitneyU([1, 2, 3], [4, 5, 6]);
  assert.equal(result.u, 0);
  assert.equal(result.method, 'exact');
  close(result.pValue, 0.1);
  close(result.minPValue, 0.1);
  assert.equal(result.effect, 0);
});

test('exact p-value without ties equals scipy method=exact', () => {
  const result = mannWhitneyU([1.1, 2.5, 3.3, 4.8, 6.0], [2.0, 3.9, 5.5, 7.2, 8.1, 9.4]);
  assert.equal(result.u, 7);
  close(result.pValue, 0.17748917748917747);
});

test('exact p-value with ties equals the brute-force permutation count 50/462', () => {
  const result = mannWhitneyU([1, 2, 2, 3, 3, 3], [2, 3, 4, 4, 5]);
  assert.equal(result.u, 5.5);
  assert.equal(result.method, 'exact');
  close(result.pValue, 50 / 462);
});

test('normal approximation with tie and continuity corrections equals scipy method=asymptotic', () => {
  const ties = mannWhitneyU([1, 2, 2, 3, 3, 3], [2, 3, 4, 4, 5], { exactMaxTotal: 0 });
  assert.equal(ties.method, 'normal');
  close(ties.pValue, 0.08871369199677616, 1e-5);
  const separated = mannWhitneyU([1, 2, 3], [4, 5, 6], { exactMaxTotal: 0 });
  close(separated.pValue, 0.08085559837005224, 1e-5);
});

test('65 values use the normal approximation; exact on request agrees with scipy method=exact', () => {
  const normal = mannWhitneyU(large.a, large.b);
  assert.equal(normal.method, 'normal');
  assert.equal(normal.u, 404);
  close(normal.pValue, 0.11281564393462022, 1e-5);
  const exact = mannWhitneyU(large.a, large.b, { exactMaxTotal: 100 });
  assert.equal(exact.method, 'exact');
  close(exact.pValue, 0.11323519132137688, 1e-9);
});

test('the test is symmetric: swapping the samples gives U2 = n1·n2 − U1 and the same p-value', () => {
  const forward = mannWhitneyU(large.a, large.b);
  const backward = mannWhitneyU(large.b, large.a);
  assert.equal(forward.u + backward.u, large.a.length * large.b.length);
  close(backward.pValue, forward.pValue, 1e-12);
});

test('identical samples give p = 1, all-equal values too', () => {
  assert.equal(mannWhitneyU([3, 1, 2, 5], [5, 2, 1, 3]).pValue, 1);
  const flat = mannWhitneyU([7, 7, 7], [7, 7]);
  assert.equal(flat.pValue, 1);
  assert.equal(flat.z, 0);
});

test('a clear shift of 50 values each is significant far below 0.01', () => {
  const base = Array.from({ length: 50 }, (_, index) => 10 + ((index * 37) % 50) / 25);
  const slower = base.map((value) => value * 1.2);
  const result = mannWhitneyU(slower, base);
  assert.equal(result.method, 'normal');
  assert.ok(result.pValue < 1e-6, `p = ${result.pValue}`);
  assert.ok(result.effect > 0.8);
});

test('empty or non-finite samples are rejected with an Error', () => {
  assert.throws(() => mannWhitneyU([], [1]), /non-empty/);
  assert.throws(() => mannWhitneyU([1, Number.NaN], [1]), /finite/);
});
