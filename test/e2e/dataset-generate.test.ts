/**
 * The generated default dataset: what it holds, and that its worker threads
 * draw the very bytes the main thread does. One file (one test
 * process, ~1.5 s of startup each) for what were two, each behaviour its own
 * describe block with its own setup, named after it, its comment saying what
 * it checks.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { generatedDatasetDir } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { COMPLETE_MARKER, drawImage } from '../../models/dataset/generate.ts';
import { generateDefaultDataset, scanDataset, SHAPE_CLASSES } from '../../models/dataset/index.ts';

/**
 * The generated default dataset: deterministic from its seed, cached in the
 * out folder (reused when complete, redrawn when interrupted), and a valid
 * class-per-folder tree of JPEG and PNG files.
 */
describe('the generated default dataset', () => {
  // Determinism and the cache hold for any count: 3 a class there (each picture is 256 px drawn with noise, and the
  // first two tests drew 350 at 10 a class). The scan needs 10: every tenth picture is a PNG.
  const FEW = 3;
  const PER_CLASS = 10;
  let out: string;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'edgebench-generate-'));
  });
  after(async () => {
    await rm(out, { recursive: true, force: true });
  });

  /** sha256 of every file under root, by relative path (the marker excluded). */
  async function digests(root: string): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    for (const folder of (await readdir(root)).filter((name) => !name.startsWith('.')).sort()) {
      for (const file of (await readdir(join(root, folder))).sort()) {
        result.set(`${folder}/${file}`, createHash('sha256').update(await readFile(join(root, folder, file))).digest('hex'));
      }
    }
    return result;
  }

  test('the same seed gives the same bytes, another seed other bytes with the same file names', async () => {
    const log = memoryLogger();
    const first = await generateDefaultDataset({ out: join(out, 'a'), seed: 7, imagesPerClass: FEW, log });
    const second = await generateDefaultDataset({ out: join(out, 'b'), seed: 7, imagesPerClass: FEW, log });
    const other = await generateDefaultDataset({ out: join(out, 'c'), seed: 8, imagesPerClass: FEW, log });
    assert.equal(first, generatedDatasetDir(join(out, 'a'), 7, FEW));
    const [a, b, c] = await Promise.all([digests(first), digests(second), digests(other)]);
    assert.equal(a.size, SHAPE_CLASSES.length * FEW);
    assert.deepEqual(b, a);
    assert.deepEqual([...c.keys()], [...a.keys()]);
    const differing = [...a].filter(([file, digest]) => c.get(file) !== digest).length;
    assert.equal(differing, a.size, 'every picture changes with the seed');
    // Pictures within one dataset differ from each other too.
    assert.equal(new Set(a.values()).size, a.size);
  });

  test('a complete dataset is reused; an interrupted one (no marker) is redrawn', async () => {
    const log = memoryLogger();
    const options = { out: join(out, 'cache'), seed: 3, imagesPerClass: FEW, log };
    const root = await generateDefaultDataset(options);
    const sample = join(root, SHAPE_CLASSES[0]!, (await readdir(join(root, SHAPE_CLASSES[0]!)))[0]!);
    const before = await stat(sample);
    const drawnLines = log.lines.filter((line) => line.startsWith('generated')).length;
    assert.equal(drawnLines, 1);

    assert.equal(await generateDefaultDataset(options), root);
    assert.equal((await stat(sample)).mtimeMs, before.mtimeMs, 'reused, not rewritten');
    assert.equal(log.lines.filter((line) => line.startsWith('generated')).length, 1);
    assert.ok(log.lines.some((line) => line.includes('reusing')));

    // Simulate an interruption: a picture and the marker are missing.
    await unlink(sample);
    await unlink(join(root, COMPLETE_MARKER));
    await generateDefaultDataset(options);
    assert.equal(log.lines.filter((line) => line.startsWith('generated')).length, 2);
    assert.ok((await stat(sample)).isFile(), 'the missing picture is back');
    assert.equal((await digests(root)).size, SHAPE_CLASSES.length * FEW);
  });

  test('the generated tree scans as a dataset of 256×256 JPEG and PNG pictures', async () => {
    const root = await generateDefaultDataset({ out: join(out, 'scan'), seed: 7, imagesPerClass: PER_CLASS, log: memoryLogger() });
    const dataset = await scanDataset({ root, validationPercent: 10, testPercent: 10, minImagesPerClass: 1, log: memoryLogger() });
    assert.ok(dataset.classNames.length >= 5);
    assert.ok(dataset.classNames.includes('five pointed star') && dataset.classNames.includes('six pointed star'));
    assert.equal(dataset.images.length, SHAPE_CLASSES.length * PER_CLASS);
    const formats = new Set<string>();
    for (const image of dataset.images.filter((entry, index) => index % 7 === 0 || entry.path.endsWith('.png'))) {
      const meta = await sharp(image.path).metadata();
      assert.equal(meta.width, 256);
      assert.equal(meta.height, 256);
      assert.equal(meta.format, image.path.endsWith('.png') ? 'png' : 'jpeg');
      formats.add(meta.format);
    }
    assert.deepEqual([...formats].sort(), ['jpeg', 'png']);
  });
});

/**
 * The generated dataset is drawn on worker threads: every file must hold the
 * very bytes that drawing the same picture on the main thread gives, so the
 * parallel generator changed the speed and nothing else (a cached dataset,
 * a tuned accuracy and the shipped estimates all stay valid).
 */
describe('drawn on worker threads, the same bytes', () => {
  test('pictures drawn on worker threads are byte for byte those drawn on the main thread', async () => {
    const out = await mkdtemp(join(tmpdir(), 'edgebench-workers-'));
    try {
      const perClass = 3;
      const root = await generateDefaultDataset({ out, seed: 5, imagesPerClass: perClass, log: memoryLogger() });
      for (const shape of SHAPE_CLASSES) {
        for (let index = 0; index < perClass; index += 1) {
          const expected = await drawImage({ seed: 5, shape, index });
          assert.deepEqual(await readFile(join(root, shape, expected.file)), expected.bytes, `${shape} #${index}`);
        }
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
