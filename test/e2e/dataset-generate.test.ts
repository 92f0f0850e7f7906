/**
 * The generated default dataset: what it holds, and that its worker threads
 * draw the very bytes the main thread does. What were two files (one test
 * process, ~1.5 s of startup each) and then two describe blocks, each drawing
 * its own datasets, is one block drawing four: its comment says why.
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
import { COMPLETE_MARKER, drawImage, MAIN_THREAD_BELOW } from '../../models/dataset/generate.ts';
import { generateDefaultDataset, scanDataset, SHAPE_CLASSES } from '../../models/dataset/index.ts';

/**
 * The generated default dataset: deterministic from its seed, cached in the
 * out folder (reused when complete, redrawn when interrupted), and a valid
 * class-per-folder tree of JPEG and PNG files. Drawn on worker threads, every
 * file holds the very bytes that drawing the same picture on the main thread
 * gives, so the parallel generator changed the speed and nothing else (a
 * cached dataset, a tuned accuracy and the shipped estimates all stay valid).
 *
 * A generation of 64 pictures or more starts its drawing threads (each
 * registers tsx and loads sharp); a smaller one draws on the main thread
 * (MAIN_THREAD_BELOW). `before` draws two datasets that serve every test:
 * seed 7 at 10 a class, 70 pictures on threads (the byte checks, on its first
 * 3 of each class, and the scan) and seed 8 at 3 a class, 21 on the main
 * thread (another seed's bytes, then the cache's reuse and redraw, which draws
 * a whole dataset again: the small one). The same seed drawn again is the
 * main thread's drawing of each picture.
 */
describe('the generated default dataset', () => {
  // Determinism, the threads and the cache hold for any count: 3 a class there (each picture is 256 px drawn with
  // noise). The scan needs 10: every tenth picture is a PNG.
  const FEW = 3;
  const PER_CLASS = 10;
  const SEED = 7;
  let out: string;
  /** Seed 7, PER_CLASS a class, drawn on worker threads. */
  let drawn: string;
  /** Seed 8, FEW a class, drawn on the main thread (fewer than MAIN_THREAD_BELOW pictures). */
  let other: string;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'edgebench-generate-'));
    drawn = await generateDefaultDataset({ out: join(out, 'a'), seed: SEED, imagesPerClass: PER_CLASS, log: memoryLogger() });
    other = await generateDefaultDataset({ out: join(out, 'c'), seed: 8, imagesPerClass: FEW, log: memoryLogger() });
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

  test('drawn on worker threads, each picture is byte for byte the main thread\'s drawing of the same seed; another seed gives other bytes with the same file names', async () => {
    assert.equal(drawn, generatedDatasetDir(join(out, 'a'), SEED, PER_CLASS));
    assert.ok(SHAPE_CLASSES.length * PER_CLASS >= MAIN_THREAD_BELOW, 'enough pictures that the generator drew them on its threads');
    assert.ok(SHAPE_CLASSES.length * FEW < MAIN_THREAD_BELOW, 'few enough that the other dataset was drawn on the main thread');
    const a = await digests(drawn);
    assert.equal(a.size, SHAPE_CLASSES.length * PER_CLASS);
    // The same seed again, drawn on the main thread: the same bytes, file by file (the first FEW of each class).
    const firstFew = new Map<string, string>();
    for (const shape of SHAPE_CLASSES) {
      for (let index = 0; index < FEW; index += 1) {
        const expected = await drawImage({ seed: SEED, shape, index });
        assert.deepEqual(await readFile(join(drawn, shape, expected.file)), expected.bytes, `${shape} #${index}`);
        firstFew.set(`${shape}/${expected.file}`, a.get(`${shape}/${expected.file}`)!);
      }
    }
    assert.equal(other, generatedDatasetDir(join(out, 'c'), 8, FEW));
    const c = await digests(other);
    assert.deepEqual([...c.keys()], [...a.keys()].filter((file) => firstFew.has(file)));
    const differing = [...firstFew].filter(([file, digest]) => c.get(file) !== digest).length;
    assert.equal(differing, firstFew.size, 'every picture changes with the seed');
    // Pictures within one dataset differ from each other too.
    assert.equal(new Set(a.values()).size, a.size);
    assert.equal(new Set(c.values()).size, c.size);
  });

  test('a complete dataset is reused; an interrupted one (no marker) is redrawn', async () => {
    const log = memoryLogger();
    const options = { out: join(out, 'c'), seed: 8, imagesPerClass: FEW, log };
    const sample = join(other, SHAPE_CLASSES[0]!, (await readdir(join(other, SHAPE_CLASSES[0]!)))[0]!);
    const before = await stat(sample);

    assert.equal(await generateDefaultDataset(options), other);
    assert.equal((await stat(sample)).mtimeMs, before.mtimeMs, 'reused, not rewritten');
    assert.equal(log.lines.filter((line) => line.startsWith('generated')).length, 0);
    assert.ok(log.lines.some((line) => line.includes('reusing')));

    // Simulate an interruption: a picture and the marker are missing.
    const bytes = await readFile(sample);
    await unlink(sample);
    await unlink(join(other, COMPLETE_MARKER));
    assert.equal(await generateDefaultDataset(options), other);
    assert.equal(log.lines.filter((line) => line.startsWith('generated')).length, 1);
    assert.ok((await stat(sample)).isFile(), 'the missing picture is back');
    assert.deepEqual(await readFile(sample), bytes, 'drawn again, the same bytes');
    assert.equal((await digests(other)).size, SHAPE_CLASSES.length * FEW);
  });

  test('the generated tree scans as a dataset of 256×256 JPEG and PNG pictures', async () => {
    const root = drawn;
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
