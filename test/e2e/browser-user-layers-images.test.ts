/**
 * A layers model.json that did not come from `bench retrain` (made here with
 * TF.js, saved outside the out folder), benchmarked in headless Chromium with
 * labelled --images: the evaluation pack built from the images travels to the
 * page as a retrained model's does, and the page measures accuracy on it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { makeTinyArtifact, TINY_CLASSES, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { writeColourImages } from '../fixtures/colour-images.ts';
import { seedPageBundle } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

let dir: string;
let tiny: TinyArtifact;
let images: Awaited<ReturnType<typeof writeColourImages>>;

before(async () => {
  dir = await tempDir('browser-user-layers');
  await seedPageBundle(join(dir, '.bench'));
  tiny = await makeTinyArtifact(join(dir, 'source'));
  images = await writeColourImages(join(dir, 'images'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a layers model.json with --images in Chromium: accuracy on the labelled images on tfjs-wasm', async () => {
  const out = join(dir, '.bench');
  const config = parseConfig({
    out,
    models: [{ path: tiny.modelJsonPath, id: 'colours', labels: TINY_CLASSES, normalization: { scale: 1 / 255, offset: 0 } }],
    dataset: { images: images.root },
    run: { targets: ['browser'], backends: ['tfjs-wasm'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000, rounds: 1 },
    browser: { browsers: ['/usr/bin/chromium'] },
  });
  const { record } = await runBenchmarks({ config, log: memoryLogger(), out, referenceInProcess: true });
  assert.equal(record.measurements.length, 1, JSON.stringify(record.failures));
  const [measurement] = record.measurements;
  assert.equal(measurement!.key.model, 'colours', 'the id the config names');
  assert.equal(measurement!.key.target, 'browser');
  assert.equal(measurement!.key.runtime, 'tfjs-wasm');
  assert.equal(measurement!.evaluation?.images, images.count);
  // (count - 1) / count: the misfiled picture is counted wrong, so the labels came from the folders.
  assert.equal(measurement!.evaluation?.accuracy, images.expectedAccuracy);
  assert.equal(measurement!.evaluation?.agreement?.top1, 1);
});
