/**
 * Accuracy and agreement over the evaluation pack: pure functions over
 * probabilities (images × classes). No Node APIs.
 */
import type { Evaluation } from '../../harness/core/record.ts';
import type { ReferenceOutputs } from './types.ts';

/** Index of the largest value in row `row` of a rows × classes matrix (first one on ties). */
export function argmaxRow(probabilities: Float32Array, row: number, classes: number): number {
  const start = row * classes;
  let best = 0;
  let bestValue = probabilities[start]!;
  for (let index = 1; index < classes; index += 1) {
    const value = probabilities[start + index]!;
    if (value > bestValue) {
      bestValue = value;
      best = index;
    }
  }
  return best;
}

/** Fraction of images whose top-1 class equals its label. */
export function top1Accuracy(probabilities: Float32Array, labels: readonly number[], classes: number): number {
  if (labels.length === 0) return Number.NaN;
  let correct = 0;
  labels.forEach((label, row) => {
    if (argmaxRow(probabilities, row, classes) === label) correct += 1;
  });
  return correct / labels.length;
}

/** `1` or `0` per image: whether its top-1 class is its label (Evaluation.hits). */
export function top1Hits(probabilities: Float32Array, labels: readonly number[], classes: number): string {
  return labels.map((label, row) => (argmaxRow(probabilities, row, classes) === label ? '1' : '0')).join('');
}

/** Throws when a row holds NaN or ±Infinity: argmax and |Δ| would read such rows as agreeing (a NaN compares false with everything). */
function assertFinite(values: Float32Array, rows: number, classes: number, whose: string): void {
  for (let index = 0; index < rows * classes; index += 1) {
    if (!Number.isFinite(values[index]!)) {
      throw new Error(`${whose} outputs are not finite numbers (image ${Math.floor(index / classes)}, class ${index % classes}: ${values[index]}): the model or its input normalisation is broken`);
    }
  }
}

/**
 * Agreement of `probabilities` with the reference on the first `images` rows:
 * share of equal top-1 classes and the largest absolute difference of any
 * probability. Outputs that are not finite on either side are an error, never agreement.
 */
export function agreementWith(probabilities: Float32Array, images: number, classes: number, reference: ReferenceOutputs): NonNullable<Evaluation['agreement']> {
  if (reference.classes !== classes) throw new Error(`reference "${reference.name}" has ${reference.classes} classes, the model outputs ${classes}`);
  if (reference.images < images) throw new Error(`reference "${reference.name}" covers ${reference.images} images, the evaluation needs ${images}`);
  assertFinite(probabilities, images, classes, 'the model\'s');
  assertFinite(reference.probabilities, images, classes, `the reference "${reference.name}"`);
  let same = 0;
  let maxAbsDiff = 0;
  for (let row = 0; row < images; row += 1) {
    if (argmaxRow(probabilities, row, classes) === argmaxRow(reference.probabilities, row, classes)) same += 1;
    for (let index = row * classes; index < (row + 1) * classes; index += 1) {
      const diff = Math.abs(probabilities[index]! - reference.probabilities[index]!);
      if (diff > maxAbsDiff) maxAbsDiff = diff;
    }
  }
  return { reference: reference.name, top1: images ? same / images : Number.NaN, maxAbsDiff };
}
