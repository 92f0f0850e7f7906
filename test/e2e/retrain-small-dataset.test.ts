/**
 * A dataset too small for a validation or test split (or percentages that
 * leave none) retrains all the same and says so once; no line ever reads
 * "NaN%".
 */
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { runRetrain } from '../../harness/commands/retrain.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { tempDir } from '../helpers/tmp.ts';

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
    const config = parseConfig({ out, models: ['mobilenet_v2'], dataset: { images: root, minImagesPerClass: 1, validationPercent: 0, testPercent: 0 }, retrain: { steps: 4, evalEvery: 2, batchSize: 4 } });
    const outcome = await runRetrain({ config, log, stdout: () => {}, out, cwd: out });
    assert.equal(outcome.models.length, 1, log.lines.join('\n'));
    const text = log.lines.join('\n');
    assert.ok(!/NaN/.test(text), `no NaN printed:\n${text}`);
    assert.equal(log.lines.filter((line) => /no image in the validation split/.test(line)).length, 1, text);
    assert.equal(log.lines.filter((line) => /no image in the test split/.test(line)).length, 1, text);
    assert.match(text, /mobilenet_v2: not tested \(no test images\)/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
