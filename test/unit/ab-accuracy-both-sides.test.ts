/**
 * Accuracy and agreement on both sides of an A/B run: the pair kernel
 * evaluates each side on its own pack and reference after the loop (and
 * disposes both only then), and the verdict makes a key whose accuracy or
 * agreement drops on B past the points threshold a regression, whatever
 * its speed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measurePair, SideError, type PairSide } from '../../targets/kernel/index.ts';
import type { EvalPack } from '../../harness/core/eval-pack.ts';
import type { Evaluation } from '../../harness/core/record.ts';
import type { PairedEstimate } from '../../harness/core/paired.ts';
import { abVerdict } from '../../reports/ab.ts';

// Four 1-pixel images, labels x y x y.
const pack: EvalPack = { model: 'scripted', count: 4, height: 1, width: 1, images: new Uint8Array(12), labels: [0, 1, 0, 1], files: ['0', '1', '2', '3'], classNames: ['x', 'y'] };
const options = { warmupIterations: 1, minSamples: 5, minTimeMs: 0, maxTimeMs: 5_000, batchSize: 1 };

/** A side that always answers class `answer`; `disposed` records its dispose. */
function side(answer: 0 | 1, disposed: string[], name: string, failEvaluation = false): PairSide {
  let calls = 0;
  return {
    pack,
    reference: { name: 'ref', images: 4, classes: 2, probabilities: new Float32Array([1, 0, 0, 1, 1, 0, 0, 1]) },
    load: async () => ({
      async run() {
        calls += 1;
        // first inference + warm-up + 5 loop calls come before the evaluation
        if (failEvaluation && calls > 7) throw new Error(`${name} broke in the evaluation`);
        return new Float32Array(answer === 0 ? [0.9, 0.1] : [0.1, 0.9]);
      },
      dispose() {
        disposed.push(name);
      },
    }),
  };
}

test('each side is evaluated on its own pack and reference after the pairs, then both are disposed', async () => {
  const disposed: string[] = [];
  const result = await measurePair({ a: side(0, disposed, 'a'), b: side(1, disposed, 'b'), options, seed: 1, first: 'a', evaluate: true });
  assert.equal(result.a.length, 5);
  assert.deepEqual([result.evaluation?.a?.accuracy, result.evaluation?.b?.accuracy], [0.5, 0.5]);
  assert.deepEqual([result.evaluation?.a?.hits, result.evaluation?.b?.hits], ['1010', '0101']);
  assert.deepEqual([result.evaluation?.a?.agreement?.top1, result.evaluation?.b?.agreement?.top1], [0.5, 0.5]);
  assert.deepEqual(disposed.sort(), ['a', 'b']);

  const none = await measurePair({ a: side(0, [], 'a'), b: side(1, [], 'b'), options, seed: 1, first: 'a' });
  assert.equal(none.evaluation, undefined, 'no evaluation unless asked');

  const broken: string[] = [];
  await assert.rejects(measurePair({ a: side(0, broken, 'a'), b: side(1, broken, 'b', true), options, seed: 1, first: 'a', evaluate: true }), (error: unknown) => error instanceof SideError && error.side === 'b' && error.phase === 'evaluation');
  assert.deepEqual(broken.sort(), ['a', 'b'], 'disposed after a failed evaluation too');
});

const same: PairedEstimate = { ratio: 1, low: 0.99, high: 1.01, confidence: 0.95, logRatio: 0, standardError: 0.004, df: 3, pValue: 1, level: 'processes', processes: 4, pairs: 80 };
const evaluation = (accuracy: number, agreement: number): Evaluation => ({ images: 100, accuracy, agreement: { reference: 'ref', top1: agreement, maxAbsDiff: 0.01 } });

test('B losing accuracy or agreement past the points threshold is regressed even at the same speed; inside it, speed decides', () => {
  const verdict = abVerdict(
    [
      { key: 'accuracy-drop', estimate: same, evaluation: { a: evaluation(0.9, 1), b: evaluation(0.87, 1) } },
      { key: 'agreement-drop', estimate: same, evaluation: { a: evaluation(0.9, 1), b: evaluation(0.9, 0.95) } },
      { key: 'within', estimate: same, evaluation: { a: evaluation(0.9, 1), b: evaluation(0.895, 0.995) } },
      { key: 'not-evaluated', estimate: same, evaluation: { a: null, b: null } },
    ],
    { minEffect: 0.05, alpha: 0.01, accuracyDropPoints: 1 },
  );
  const [accuracy, agreement, within, none] = verdict.keys;
  assert.equal(accuracy?.verdict, 'regressed');
  assert.match(accuracy?.reason ?? '', /accuracy 90\.0% → 87\.0% \(−3\.0 points\), past 1 point; speed: B\/A 1\.000/);
  assert.equal(accuracy?.quality?.accuracy.verdict, 'regressed');
  assert.equal(agreement?.verdict, 'regressed');
  assert.match(agreement?.reason ?? '', /agreement 100\.0% → 95\.0% \(−5\.0 points\)/);
  assert.equal(within?.verdict, 'same');
  assert.equal(within?.quality?.accuracy.verdict, 'same');
  assert.equal(none?.verdict, 'same');
  assert.equal(none?.quality?.accuracy.verdict, 'not-evaluated');
  assert.deepEqual(verdict.counts, { regressed: 2, improved: 0, same: 2, inconclusive: 0 });
});
