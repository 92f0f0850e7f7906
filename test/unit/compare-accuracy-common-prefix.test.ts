/**
 * A job stopped by its evaluation budget may evaluate a different number of
 * images from one run to the next (a slow runtime on a busy host). Compare
 * then judges accuracy on the images both runs evaluated, from each image's
 * hit, so a shorter or longer prefix of the same answers is not a regression;
 * a real drop on those images still is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Measurement } from '../../harness/core/record.ts';
import { compareAccuracy } from '../../reports/compare.ts';
import { measurement } from '../fixtures/report-records.ts';

const options = { threshold: 0.05, alpha: 0.01, accuracyDropPoints: 1 };

function evaluated(hits: string): Measurement {
  const base = measurement({ samples: [10, 11, 12] });
  const correct = [...hits].filter((hit) => hit === '1').length;
  return { ...base, evaluation: { images: hits.length, accuracy: correct / hits.length, hits, agreement: null } };
}

// 20 images, 18 right; the next 10 images are harder (5 right): a longer prefix alone looks 11 points worse.
const FIRST = '11111111101111111110';
const MORE = '1010101010';

test('the same answers on a longer prefix are not a regression: judged on the common images', () => {
  const { comparison, reason } = compareAccuracy(evaluated(FIRST), evaluated(FIRST + MORE), options);
  assert.equal(comparison.verdict, 'same');
  assert.equal(comparison.baseline, 0.9);
  assert.equal(comparison.current, 0.9);
  assert.match(reason ?? '', /on the first 20 images both runs evaluated \(20 vs 30\)/);
});

test('a real drop on the common images is still a regression', () => {
  const worse = `${'1111111110111111'}0000${MORE}`;
  const { comparison } = compareAccuracy(evaluated(FIRST), evaluated(worse), options);
  assert.equal(comparison.verdict, 'regressed');
  assert.equal(comparison.current, 15 / 20);
});

test('records without per-image hits compare their overall accuracy, as before', () => {
  const strip = (entry: Measurement): Measurement => {
    const { hits: _hits, ...rest } = entry.evaluation!;
    return { ...entry, evaluation: rest };
  };
  const { comparison, reason } = compareAccuracy(strip(evaluated(FIRST)), strip(evaluated(FIRST + MORE)), options);
  assert.equal(comparison.verdict, 'regressed');
  assert.match(reason ?? '', /on 20 vs 30 images/);
});
