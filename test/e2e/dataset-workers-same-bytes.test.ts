/**
 * The generated dataset is drawn on worker threads: every file must hold the
 * very bytes that drawing the same picture on the main thread gives, so the
 * parallel generator changed the speed and nothing else (a cached dataset,
 * a tuned accuracy and the shipped estimates all stay valid).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoryLogger } from '../../harness/core/log.ts';
import { drawImage, generateDefaultDataset } from '../../models/dataset/generate.ts';
import { SHAPE_CLASSES } from '../../models/dataset/scene.ts';

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
