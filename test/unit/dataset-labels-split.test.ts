/**
 * Labels and the train/validation/test split, as retrain.py made them.
 * Expected values were computed with Python's `re` and `hashlib` from
 * retrain.py's own expressions (see models/dataset/split.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoryLogger } from '../../harness/core/log.ts';
import { labelFromFolder, scanDataset, splitOf } from '../../models/dataset/index.ts';

test('labels are lowercased folder names with each run of other characters made one space', () => {
  const expected: [string, string][] = [
    ['Daisy', 'daisy'],
    ['Sun_Flowers', 'sun flowers'],
    ['five--pointed  Star!', 'five pointed star '],
    ['__x__', ' x '],
    ['Été 2019', ' t 2019'],
    ['IMG-Class.03', 'img class 03'],
  ];
  for (const [folder, label] of expected) assert.equal(labelFromFolder(folder), label, folder);
});

test('splitOf matches retrain.py which_set on reference names', () => {
  const cases: [string, number, number, string][] = [
    ['daisy1.jpg', 10, 10, 'train'],
    ['a.jpg', 10, 10, 'train'],
    ['b.jpg', 10, 10, 'test'],
    ['e.jpg', 10, 10, 'validation'],
    ['fleur été.jpeg', 10, 10, 'validation'],
    ['IMG_0001.JPG', 10, 10, 'train'],
    ['IMG_0001.JPG', 30, 30, 'test'],
    ['g.jpg', 30, 30, 'test'],
    ['b.jpg', 30, 30, 'validation'],
    ['circle_0000.jpg', 10, 10, 'train'],
  ];
  for (const [name, validation, testing, split] of cases) assert.equal(splitOf(name, validation, testing), split, `${name} at ${validation}/${testing}`);
});

test('splitOf computes the percentage to the last bit', () => {
  // Python: percentage_hash of 'daisy1.jpg' is 60.52013382703165; the next double up is 60.52013382703166.
  assert.equal(splitOf('daisy1.jpg', 60.52013382703165, 0), 'train');
  assert.equal(splitOf('daisy1.jpg', 60.52013382703166, 0), 'validation');
  // 'b.jpg' sits at 10.7617 %.
  assert.equal(splitOf('b.jpg', 10.76, 10), 'test');
  assert.equal(splitOf('b.jpg', 10.77, 10), 'validation');
});

test('splitOf ignores everything from _nohash_ on and looks only at the base name', () => {
  // All three hash as '0ab2b3c7' (18.97 %).
  for (const name of ['0ab2b3c7', '0ab2b3c7_nohash_0.wav', '0ab2b3c7_nohash_1.jpg', '/photos/cats/0ab2b3c7_nohash_1.jpg']) {
    assert.equal(splitOf(name, 10, 10), 'test', name);
    assert.equal(splitOf(name, 18.96538823072157, 0), 'validation', name);
  }
  assert.equal(splitOf('x_nohash_', 10, 10), 'validation');
});

test('adding files to a folder leaves the split of existing files unchanged', async () => {
  const root = await mkdtemp(join(tmpdir(), 'edgebench-split-'));
  try {
    for (const folder of ['cats', 'dogs']) {
      await mkdir(join(root, folder));
      for (let i = 0; i < 30; i++) await writeFile(join(root, folder, `${folder}${i}.jpg`), 'x');
    }
    const options = { root, validationPercent: 20, testPercent: 20, minImagesPerClass: 1, log: memoryLogger() };
    const before = await scanDataset(options);
    for (const folder of ['cats', 'dogs']) {
      for (let i = 30; i < 90; i++) await writeFile(join(root, folder, `${folder}${i}.jpg`), 'x');
    }
    await mkdir(join(root, 'birds'));
    for (let i = 0; i < 10; i++) await writeFile(join(root, 'birds', `bird${i}.png`), 'x');
    const after = await scanDataset(options);

    assert.equal(after.images.length, before.images.length + 130);
    const splitAfter = new Map(after.images.map((image) => [image.relPath, image.split]));
    for (const image of before.images) assert.equal(splitAfter.get(image.relPath), image.split, image.relPath);
    // The names spread over all three splits, so the check above is not vacuous.
    assert.deepEqual(new Set(before.images.map((image) => image.split)), new Set(['train', 'validation', 'test']));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
