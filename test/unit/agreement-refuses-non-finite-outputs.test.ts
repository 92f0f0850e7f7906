/**
 * A model whose outputs are NaN (a normalisation of scale 0 or Infinity once
 * got through) was recorded as 100% agreement with |Δp| 0: argmax reads an
 * all-NaN row as class 0 on both sides and NaN never exceeds the running
 * maximum. Non-finite outputs are an error naming the image instead.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agreementWith } from '../../targets/kernel/evaluate.ts';

const reference = { name: 'ref', images: 2, classes: 3, probabilities: Float32Array.from([0.2, 0.5, 0.3, 0.6, 0.3, 0.1]) };

test('finite outputs: agreement and the largest difference as before', () => {
  const result = agreementWith(Float32Array.from([0.1, 0.6, 0.3, 0.2, 0.7, 0.1]), 2, 3, reference);
  assert.equal(result.top1, 0.5);
  assert.ok(Math.abs(result.maxAbsDiff - 0.4) < 1e-6, String(result.maxAbsDiff));
});

test('NaN or Infinity in the model outputs is an error naming the image, not agreement', () => {
  assert.throws(() => agreementWith(new Float32Array(6).fill(Number.NaN), 2, 3, reference), /the model's outputs are not finite numbers \(image 0, class 0: NaN\)/);
  assert.throws(() => agreementWith(Float32Array.from([0.2, 0.5, 0.3, 0.6, Number.POSITIVE_INFINITY, 0.1]), 2, 3, reference), /image 1, class 1: Infinity/);
});

test('a non-finite reference is an error too', () => {
  const broken = { ...reference, probabilities: new Float32Array(6).fill(Number.NaN) };
  assert.throws(() => agreementWith(reference.probabilities, 2, 3, broken), /the reference "ref" outputs are not finite/);
});
