/**
 * The evaluation pack is stored round-robin by class, so every prefix (what a
 * job evaluates before its budget runs out, or --eval-limit N) is
 * class-balanced: no class has more than one image over another class that
 * still has images left. Writing reorders the images with their labels and
 * file names, never splitting a pair.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { classRoundRobinOrder, limitEvalPack, readEvalPack, writeEvalPack, type EvalPack } from '../../harness/core/eval-pack.ts';

/** Checks every prefix of `labels`: a class may lead another by at most one image while that other class has images left. */
function assertEveryPrefixBalanced(labels: readonly number[]): void {
  const totals = new Map<number, number>();
  for (const label of labels) totals.set(label, (totals.get(label) ?? 0) + 1);
  const seen = new Map<number, number>([...totals.keys()].map((label) => [label, 0]));
  labels.forEach((label, index) => {
    seen.set(label, seen.get(label)! + 1);
    for (const [a, countA] of seen) {
      for (const [b, countB] of seen) {
        if (countB < totals.get(b)!) assert.ok(countA - countB <= 1, `prefix of ${index + 1}: class ${a} has ${countA}, class ${b} only ${countB} of ${totals.get(b)}`);
      }
    }
  });
}

test('every prefix of the order is class-balanced, for uneven classes in any input order', () => {
  // The test split as the dataset scan yields it: class by class, of uneven sizes (5, 9, 2, 7).
  const sorted = [...Array(5).fill(0), ...Array(9).fill(1), ...Array(2).fill(2), ...Array(7).fill(3)] as number[];
  const order = classRoundRobinOrder(sorted);
  assert.deepEqual([...order].sort((a, b) => a - b), sorted.map((_, index) => index), 'a permutation of every image');
  const labels = order.map((index) => sorted[index]!);
  assert.deepEqual(labels.slice(0, 8), [0, 1, 2, 3, 0, 1, 2, 3]);
  assertEveryPrefixBalanced(labels);
  // Within a class the original order is kept.
  assert.deepEqual(order.filter((index) => sorted[index] === 1), [5, 6, 7, 8, 9, 10, 11, 12, 13]);

  const shuffled = [2, 0, 0, 1, 2, 2, 1, 0, 2, 2];
  assertEveryPrefixBalanced(classRoundRobinOrder(shuffled).map((index) => shuffled[index]!));
});

test('writeEvalPack stores the pack in that order, each image with its own label and file; every limited prefix stays balanced', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgebench-pack-order-'));
  try {
    const labels = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2];
    // Each 1×1 image's red byte is its original index, so a pair split apart would show.
    const pack: EvalPack = {
      model: 'm',
      count: labels.length,
      height: 1,
      width: 1,
      images: Uint8Array.from(labels.flatMap((label, index) => [index, label, 7])),
      labels,
      files: labels.map((label, index) => `class${label}/img${index}.jpg`),
      classNames: ['a', 'b', 'c'],
    };
    await writeEvalPack(dir, pack);
    const read = await readEvalPack(dir);
    assert.equal(read.count, labels.length);
    for (let index = 0; index < read.count; index += 1) {
      const original = read.images[index * 3]!;
      assert.equal(read.labels[index], labels[original], `image ${index} kept its label`);
      assert.equal(read.files[index], `class${labels[original]}/img${original}.jpg`, `image ${index} kept its file name`);
      assert.equal(read.images[index * 3 + 1], read.labels[index]);
    }
    assertEveryPrefixBalanced(read.labels);
    for (let limit = 1; limit <= read.count; limit += 1) {
      const prefix = limitEvalPack(read, limit);
      assert.equal(prefix.labels.length, limit);
      assert.equal(prefix.images.length, limit * 3);
    }
    assert.deepEqual(limitEvalPack(read, 6).labels.sort(), [0, 0, 1, 1, 2, 2]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
