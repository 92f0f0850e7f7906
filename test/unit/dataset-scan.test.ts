/**
 * Reading a class-per-folder image tree: classes, counts, what is skipped,
 * and the one-line errors and warnings for bad input.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { UserError } from '../../harness/core/errors.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { scanDataset, splitOf } from '../../models/dataset/index.ts';

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'edgebench-scan-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Makes `<base>/<name>/<class>/<file>` for each entry (content is irrelevant to scanning). */
async function tree(name: string, files: Record<string, string[]>): Promise<string> {
  const root = join(base, name);
  for (const [folder, names] of Object.entries(files)) {
    await mkdir(join(root, folder), { recursive: true });
    for (const file of names) await writeFile(join(root, folder, file), 'not really an image');
  }
  await mkdir(root, { recursive: true });
  return root;
}

const numbered = (prefix: string, count: number, extension = 'jpg') => Array.from({ length: count }, (_, i) => `${prefix}${i}.${extension}`);

function scan(root: string, log = memoryLogger(), minImagesPerClass = 3) {
  return scanDataset({ root, validationPercent: 10, testPercent: 10, minImagesPerClass, log });
}

async function rejectsWith(promise: Promise<unknown>, code: string, mentions: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.ok(error.message.includes(mentions), `"${error.message}" should mention ${mentions}`);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
}

test('classes are the sorted folder names as labels; images carry class, label, split and paths', async () => {
  const root = await tree('basic', { Tulips: numbered('t', 4, 'JPG'), daisy: [...numbered('d', 3, 'jpeg'), 'x.PNG'], Sun_Flowers: numbered('s', 3, 'png') });
  const dataset = await scan(root);
  assert.equal(dataset.root, root);
  // Python sorts by code point: uppercase before lowercase.
  assert.deepEqual(dataset.classNames, ['sun flowers', 'tulips', 'daisy']);
  assert.equal(dataset.images.length, 11);
  const tulip = dataset.images.find((image) => image.relPath === 'Tulips/t2.JPG');
  assert.deepEqual(tulip, { path: join(root, 'Tulips', 't2.JPG'), relPath: 'Tulips/t2.JPG', classIndex: 1, label: 'tulips', split: splitOf('t2.JPG', 10, 10) });
  for (const image of dataset.images) assert.equal(dataset.classNames[image.classIndex], image.label);
  const daisy = dataset.counts.daisy!;
  assert.equal(daisy.train + daisy.validation + daisy.test, 4);
  assert.deepEqual(dataset.warnings, []);
});

test('non-image files, hidden files and nested folders are skipped; non-images get a warning naming them', async () => {
  const root = await tree('mixed', { cats: ['a.jpg', 'b.jpg', 'c.jpg', 'notes.txt', '.DS_Store', 'd.gif'], dogs: ['a.jpg', 'b.jpg', 'c.jpg'], '.hidden': ['a.jpg'] });
  await mkdir(join(root, 'cats', 'nested'));
  await writeFile(join(root, 'cats', 'nested', 'e.jpg'), 'x');
  await writeFile(join(root, 'loose.jpg'), 'x');
  const log = memoryLogger();
  const dataset = await scan(root, log);
  assert.deepEqual(dataset.classNames, ['cats', 'dogs']);
  assert.deepEqual(dataset.images.filter((image) => image.label === 'cats').map((image) => image.relPath), ['cats/a.jpg', 'cats/b.jpg', 'cats/c.jpg']);
  assert.deepEqual(dataset.warnings, [
    `skipping ${join(root, 'cats', 'd.gif')}: not a .jpg/.jpeg/.png file`,
    `skipping ${join(root, 'cats', 'notes.txt')}: not a .jpg/.jpeg/.png file`,
  ]);
  assert.ok(!log.lines.some((line) => line.includes('DS_Store')));
  assert.ok(log.lines.some((line) => line.includes('cats/nested') && line.includes('a folder inside a class folder')));
});

test('a missing images folder is a one-line user error naming it', async () => {
  const missing = join(base, 'does-not-exist');
  await rejectsWith(scan(missing), 'DATASET_NOT_FOUND', missing);
});

test('a file given as the images folder is a user error', async () => {
  const file = join(base, 'a-file.jpg');
  await writeFile(file, 'x');
  await rejectsWith(scan(file), 'DATASET_NOT_A_FOLDER', file);
});

test('an empty images folder is a user error', async () => {
  const root = await tree('empty', {});
  await rejectsWith(scan(root), 'DATASET_EMPTY', root);
});

test('class folders without any images make the folder count as empty', async () => {
  const root = await tree('no-images', { cats: ['readme.txt'], dogs: [] });
  await rejectsWith(scan(root), 'DATASET_EMPTY', root);
});

test('a single class with images is a user error naming the class', async () => {
  const root = await tree('one-class', { cats: numbered('c', 5) });
  await rejectsWith(scan(root), 'DATASET_ONE_CLASS', 'cats');
});

test('a class folder with no images is left out with a warning naming the folder', async () => {
  const root = await tree('empty-class', { cats: numbered('c', 5), dogs: numbered('d', 5), birds: ['notes.txt'] });
  const log = memoryLogger();
  const dataset = await scan(root, log);
  assert.deepEqual(dataset.classNames, ['cats', 'dogs']);
  // One warning for the stray file, one for the class left out.
  assert.equal(dataset.warnings.length, 2);
  assert.ok(dataset.warnings.some((warning) => warning.includes(join(root, 'birds', 'notes.txt'))), dataset.warnings.join('\n'));
  assert.ok(dataset.warnings.some((warning) => warning.includes(`class folder ${join(root, 'birds')} has no`)), dataset.warnings.join('\n'));
  assert.ok(log.lines.some((line) => line.includes('warning:') && line.includes('birds')));
});

test('a class under minImagesPerClass gets a warning with its count', async () => {
  const root = await tree('small-class', { cats: numbered('c', 25), dogs: numbered('d', 7) });
  const dataset = await scan(root, memoryLogger(), 20);
  assert.deepEqual(dataset.classNames, ['cats', 'dogs']);
  const small = dataset.warnings.filter((warning) => warning.includes('only'));
  assert.equal(small.length, 1);
  assert.match(small[0]!, /"dogs".*only 7 images.*at least 20/);
});

test('two folders that make the same label keep the first and warn about the second', async () => {
  const root = await tree('clash', { Cats: numbered('a', 3), cats: numbered('b', 3), dogs: numbered('d', 3) });
  const dataset = await scan(root);
  assert.deepEqual(dataset.classNames, ['cats', 'dogs']);
  assert.ok(dataset.images.every((image) => !image.relPath.startsWith('cats/')));
  assert.equal(dataset.warnings.length, 1);
  assert.match(dataset.warnings[0]!, /"Cats" and "cats".*same|both make the label "cats"/);
});
