/**
 * The A/B verdict per key: the states of compare (regressed, improved, same,
 * inconclusive), Holm across the tested keys, a failure on B a regression,
 * and the exit codes of compare.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abExitCode, abVerdict } from '../../reports/ab.ts';
import { pairedRatio, type ProcessPairs } from '../../harness/core/paired.ts';

const options = { minEffect: 0.05, alpha: 0.05 };

/** Four processes whose B is `factor` × A, with a little per-process wobble so the spread is not zero. */
function scaled(factor: number, wobble = 0.002): ProcessPairs[] {
  return [0, 1, 2, 3].map((process) => ({ a: [10, 10, 10], b: [10, 10, 10].map(() => 10 * factor * (1 + (process % 2 ? wobble : -wobble))) }));
}

test('a clear slowdown is regressed, a clear speed-up improved, a change inside the threshold the same', () => {
  const result = abVerdict(
    [
      { key: 'slow', estimate: pairedRatio(scaled(1.2)) },
      { key: 'fast', estimate: pairedRatio(scaled(0.8)) },
      { key: 'flat', estimate: pairedRatio(scaled(1.01)) },
    ],
    options,
  );
  assert.deepEqual(
    result.keys.map(({ key, verdict }) => [key, verdict]),
    [
      ['slow', 'regressed'],
      ['fast', 'improved'],
      ['flat', 'same'],
    ],
  );
  assert.equal(result.family, 3);
  assert.equal(abExitCode(result), 1);
  assert.match(result.keys[0]!.reason, /B\/A 1\.200 \(\+20\.0%/);
});

test('a large change the processes disagree on is inconclusive: exit 0, or 2 under strict', () => {
  const noisy: ProcessPairs[] = [
    { a: [10], b: [14] },
    { a: [10], b: [9] },
    { a: [10], b: [13] },
  ];
  const result = abVerdict([{ key: 'noisy', estimate: pairedRatio(noisy) }], options);
  assert.equal(result.keys[0]!.verdict, 'inconclusive');
  assert.equal(abExitCode(result), 0);
  assert.equal(abExitCode(result, { strict: true }), 2);
});

test('Holm adjusts across keys: a p-value that flags alone is held against the family', () => {
  const estimate = pairedRatio(scaled(1.2));
  const alone = abVerdict([{ key: 'k', estimate: { ...estimate, pValue: 0.02 } }], options);
  assert.equal(alone.keys[0]!.verdict, 'regressed');
  const inFamily = abVerdict(
    [
      { key: 'k', estimate: { ...estimate, pValue: 0.02 } },
      { key: 'other', estimate: { ...estimate, pValue: 0.5 } },
      { key: 'third', estimate: { ...estimate, pValue: 0.6 } },
    ],
    options,
  );
  assert.equal(inFamily.keys[0]!.adjustedP, 0.06);
  assert.equal(inFamily.keys[0]!.verdict, 'inconclusive');
});

test('failing on B while A measured is a regression naming the key; failing on A is not', () => {
  const result = abVerdict(
    [
      { key: 'node/tfjs-cpu/tiny', failed: 'b', message: 'load failed: bad model' },
      { key: 'node/tfjs-wasm/tiny', failed: 'a', message: 'load failed' },
    ],
    options,
  );
  assert.deepEqual(
    result.keys.map(({ verdict }) => verdict),
    ['regressed', 'inconclusive'],
  );
  assert.match(result.keys[0]!.reason, /failed on B, not on A: load failed: bad model/);
  assert.equal(result.family, 0);
  assert.equal(abExitCode(result), 1);
});

test('"same" needs the whole interval inside the threshold: a ratio near 1 whose processes disagree is inconclusive', () => {
  const wide = pairedRatio([
    { a: [10], b: [9] },
    { a: [10], b: [11] },
    { a: [10], b: [10] },
  ]);
  assert.ok(Math.abs(wide.ratio - 1) < 0.01);
  const result = abVerdict([{ key: 'wide', estimate: wide }], options);
  assert.equal(result.keys[0]!.verdict, 'inconclusive');
  assert.match(result.keys[0]!.reason, /inside ±5\.0% but its interval reaches past it/);
});
