/**
 * A user's .tflite file benchmarked by path: a tiny layers model converted
 * here with the project's converter (which writes normalisation and class
 * names into the file's metadata), run on tflite-node with labelled images.
 * With no Mobile artifact the file is its own reference on tflite-node.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../harness/core/config.ts';
import { metadataPath } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { loadLayersModel } from '../../models/model-io.ts';
import { convertLayersModel } from '../../models/tflite/index.ts';
import { makeTinyArtifact, TINY_CLASSES } from '../fixtures/node-tiny-model.ts';
import { writeColourImages } from '../fixtures/colour-images.ts';

let dir: string;
let tflitePath: string;
let images: Awaited<ReturnType<typeof writeColourImages>>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgebench-user-tflite-'));
  const tiny = await makeTinyArtifact(join(dir, 'source'));
  const model = await loadLayersModel(tiny.modelJsonPath);
  const bytes = await convertLayersModel(model, { variant: 'float32', normalization: { scale: 1 / 255, offset: 0 }, classNames: TINY_CLASSES });
  model.dispose();
  tflitePath = join(dir, 'my-colours.tflite');
  await writeFile(tflitePath, bytes);
  images = await writeColourImages(join(dir, 'images'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a .tflite by path on tflite-node: metadata from the file, accuracy on --images, agreement with itself as reference', async () => {
  const out = join(dir, '.bench');
  const log = memoryLogger();
  const config = parseConfig({ out, models: [tflitePath], dataset: { images: images.root }, run: { targets: ['node'], backends: ['tflite-node'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000 } });
  const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true });
  assert.deepEqual(record.artifacts.map((artifact) => artifact.id), ['my-colours/tflite/float32'], 'the id is the file stem; no Mobile artifact');
  assert.equal(record.measurements.length, 1, JSON.stringify(record.failures));
  const [measurement] = record.measurements;
  assert.equal(measurement!.key.runtime, 'tflite-node');
  assert.equal(measurement!.evaluation?.accuracy, images.expectedAccuracy);
  assert.equal(measurement!.evaluation?.agreement?.reference, 'tflite-node');
  assert.equal(measurement!.evaluation?.agreement?.top1, 1);

  const metadata = JSON.parse(readFileSync(metadataPath(out, 'my-colours'), 'utf8')) as ModelMetadata;
  assert.deepEqual(metadata.classNames, TINY_CLASSES, 'class names from the file');
  assert.deepEqual(metadata.normalization, { scale: 1 / 255, offset: 0 }, 'normalisation from the file');
  assert.equal(metadata.inputSize, 32, 'input size from the input tensor');
  assert.deepEqual(metadata.source?.assumed, []);
  assert.equal(log.lines.some((line) => line.includes('assumed')), false);
});
