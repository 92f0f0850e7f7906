/**
 * A user's .tflite file benchmarked in headless Chromium on LiteRT.js
 * (litert-wasm): a tiny model whose file describes itself the way TF Hub's
 * do, with TFLite Support metadata (input normalisation, a labels file in the
 * zip appended to it; no edgebench entry), given by path with labelled
 * images. The run takes normalisation and class names from the file; with no
 * Mobile artifact the file on tflite-node is the agreement reference, and the
 * page measures accuracy on the images.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { metadataPath } from '../../harness/core/layout.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { loadLayersModel } from '../../models/model-io.ts';
import { makeTinyArtifact, TINY_CLASSES } from '../fixtures/node-tiny-model.ts';
import { writeColourImages } from '../fixtures/colour-images.ts';
import { tfliteWithSupportMetadata } from '../fixtures/tflite-support-metadata.ts';
import { seedPageBundle } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

let dir: string;
let tflitePath: string;
let images: Awaited<ReturnType<typeof writeColourImages>>;

before(async () => {
  dir = await tempDir('browser-user-tflite');
  await seedPageBundle(join(dir, '.bench'));
  const tiny = await makeTinyArtifact(join(dir, 'source'));
  const model = await loadLayersModel(tiny.modelJsonPath);
  // The tiny model takes pixel / 255: mean 0, std 255.
  const bytes = tfliteWithSupportMetadata(model, { imageSize: 32, mean: [0], std: [255], labels: TINY_CLASSES });
  model.dispose();
  tflitePath = join(dir, 'my-colours.tflite');
  await writeFile(tflitePath, bytes);
  images = await writeColourImages(join(dir, 'images'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a .tflite with TFLite Support metadata on litert-wasm in Chromium: described by its metadata, latency, accuracy on --images, agreement with tflite-node', async () => {
  const out = join(dir, '.bench');
  const config = parseConfig({
    out,
    models: [tflitePath],
    dataset: { images: images.root },
    run: { targets: ['browser'], backends: ['litert-wasm'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000, rounds: 1 },
    browser: { browsers: ['/usr/bin/chromium'] },
  });
  const log = memoryLogger();
  const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true });
  const metadata = JSON.parse(readFileSync(metadataPath(out, 'my-colours'), 'utf8')) as ModelMetadata;
  assert.deepEqual(metadata.classNames, TINY_CLASSES, 'class names from the packed labels file');
  assert.deepEqual(metadata.normalization, { scale: 1 / 255, offset: 0 }, 'normalisation from NormalizationOptions');
  assert.deepEqual(metadata.source?.assumed, []);
  assert.equal(log.lines.some((line) => line.includes('assumed')), false);
  assert.deepEqual(record.artifacts.map((artifact) => artifact.id), ['my-colours/tflite/float32'], 'the file stem is the id; no Mobile artifact');
  assert.equal(record.measurements.length, 1, JSON.stringify(record.failures));
  const [measurement] = record.measurements;
  assert.equal(measurement!.key.target, 'browser');
  assert.equal(measurement!.key.runtime, 'litert-wasm');
  assert.equal(measurement!.key.format, 'tflite');
  assert.ok(measurement!.latency.p50 > 0);
  assert.equal(measurement!.evaluation?.images, images.count);
  assert.equal(measurement!.evaluation?.accuracy, images.expectedAccuracy);
  assert.equal(measurement!.evaluation?.agreement?.reference, 'tflite-node');
  assert.equal(measurement!.evaluation?.agreement?.top1, 1);
});
