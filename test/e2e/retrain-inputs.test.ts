/**
 * What retraining does with the inputs it is given: bad ones, and a dataset
 * too small for every split. One file (one test
 * process, ~1.5 s of startup each) for what were two, each behaviour its own
 * describe block with its own setup, named after it, its comment saying what
 * it checks.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { runRetrain } from '../../harness/commands/retrain.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { retrainModels } from '../../models/retrain.ts';
import { bench as benchCli } from '../helpers/cli.ts';
import { saveTinyBackbone } from '../helpers/tiny-backbone.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * Bad input to retraining: each case gives one clear line saying what and
 * where; the exit code is non-zero only when nothing could be done.
 */
describe('bad input to retraining', () => {
  const bench = (args: string[], cwd: string) => benchCli(args, { cwd });

  /** Two easy classes (red and blue squares with noise), a few images each. */
  async function makeDataset(root: string, perClass: number): Promise<void> {
    for (const [name, colour] of [['Red_Things', '#d22'], ['blue things', '#23d']] as const) {
      await mkdir(join(root, name), { recursive: true });
      for (let index = 0; index < perClass; index += 1) {
        const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#eee"/><rect x="${8 + index}" y="${10 + (index % 5)}" width="30" height="30" fill="${colour}"/></svg>`;
        await sharp(Buffer.from(svg)).jpeg().toFile(join(root, name, `img_${index}.JPG`));
      }
    }
  }

  test('a missing --images folder is one clear error line and exit code 1', async () => {
    const cwd = await tempDir('bad-missing');
    const result = await bench(['retrain', '--images', 'no/such/folder', '--model', 'mobilenet_v2'], cwd);
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^error: images folder not found: .*no\/such\/folder/);
  });

  test('an empty --images folder is one clear error line', async () => {
    const cwd = await tempDir('bad-empty');
    await mkdir(join(cwd, 'photos'));
    const result = await bench(['retrain', '--images', 'photos'], cwd);
    assert.equal(result.code, 1);
    assert.match(result.stderr.trim(), /^error: no images found in .*photos/);
  });

  test('a misspelt config key is one clear error naming the key', async () => {
    const cwd = await tempDir('bad-config');
    await writeFile(join(cwd, 'bench.config.json'), JSON.stringify({ retrain: { learnignRate: 0.1 } }));
    const result = await bench(['retrain'], cwd);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /retrain\.learnignRate: unknown key/);
  });

  test('corrupt images, non-image files and empty class folders are skipped with a warning; the rest is retrained', async () => {
    const out = await tempDir('bad-mixed');
    const root = join(out, 'photos');
    await makeDataset(root, 12);
    await writeFile(join(root, 'Red_Things', 'broken.jpg'), Buffer.from('this is not a jpeg at all'));
    await writeFile(join(root, 'blue things', 'truncated.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]));
    await writeFile(join(root, 'Red_Things', 'notes.txt'), 'shot on a sunny day');
    await mkdir(join(root, 'empty_class'));
    const log = memoryLogger();
    // A user's own small backbone: what is skipped and why is decided before any backbone runs (MobileNetV2 took seconds here).
    const backbones = { tinynet: await saveTinyBackbone(join(out, 'backbone')) };
    const config = parseConfig({ out, models: ['tinynet'], backbones, dataset: { images: root, minImagesPerClass: 5, validationPercent: 20, testPercent: 20 }, retrain: { steps: 20, evalEvery: 10 } });
    const outcome = await retrainModels({ config, log, out });
    const warnings = log.lines.filter((line) => line.includes('warning:'));
    assert.ok(warnings.some((line) => line.includes('broken.jpg')), warnings.join('\n'));
    assert.ok(warnings.some((line) => line.includes('truncated.png')), warnings.join('\n'));
    assert.ok(warnings.some((line) => line.includes('empty_class')), warnings.join('\n'));
    assert.ok(warnings.some((line) => line.includes('notes.txt')), warnings.join('\n'));
    assert.equal(outcome.failures.length, 0);
    const model = outcome.models[0]!;
    // retrain.py's order: folder names sorted by code point ('R' before 'b').
    assert.deepEqual(model.metadata.classNames, ['red things', 'blue things']);
    assert.equal(model.bottlenecks.skipped, 2);
    assert.equal(model.bottlenecks.computed, 24, 'every good image was used');
  });
});

/**
 * A dataset too small for a validation or test split (or percentages that
 * leave none) retrains all the same and says so once; no line ever reads
 * "NaN%".
 */
describe('a dataset too small for a split', () => {
  test('no validation and no test images: retrained, one warning each, no NaN anywhere', async () => {
    const out = await tempDir('retrain-small');
    try {
      const root = join(out, 'photos');
      for (const [name, colour] of [['red', '#d22'], ['blue', '#23d']] as const) {
        await mkdir(join(root, name), { recursive: true });
        for (let index = 0; index < 3; index += 1) {
          const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" fill="#eee"/><rect x="${6 + index}" y="8" width="24" height="24" fill="${colour}"/></svg>`;
          await sharp(Buffer.from(svg)).png().toFile(join(root, name, `img_${index}.png`));
        }
      }
      const log = memoryLogger();
      const backbones = { tinynet: await saveTinyBackbone(join(out, 'backbone')) };
      const config = parseConfig({ out, models: ['tinynet'], backbones, dataset: { images: root, minImagesPerClass: 1, validationPercent: 0, testPercent: 0 }, retrain: { steps: 4, evalEvery: 2, batchSize: 4 } });
      const outcome = await runRetrain({ config, log, stdout: () => {}, out, cwd: out });
      assert.equal(outcome.models.length, 1, log.lines.join('\n'));
      const text = log.lines.join('\n');
      assert.ok(!/NaN/.test(text), `no NaN printed:\n${text}`);
      assert.equal(log.lines.filter((line) => /no image in the validation split/.test(line)).length, 1, text);
      assert.equal(log.lines.filter((line) => /no image in the test split/.test(line)).length, 1, text);
      assert.match(text, /tinynet: not tested \(no test images\)/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
