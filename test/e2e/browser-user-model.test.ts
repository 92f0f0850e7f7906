/**
 * A user's own model (`--model`) benchmarked in headless Chromium through
 * `runBenchmarks`: one describe block per kind of model file (one test
 * process where three files each paid their own). The graph model has a run
 * of its own (no --images); the layers model and the .tflite, both with the
 * same labelled --images, are measured in one run, as a user's `--model
 * a,b` is (one page server and Chromium launch where two runs paid them).
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../../harness/core/config.ts';
import { metadataPath } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { loadLayersModel } from '../../models/model-io.ts';
import { writeColourImages } from '../fixtures/colour-images.ts';
import { makeTinyArtifact, TINY_CLASSES, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { NSFW_CLASSES, NSFW_NORMALIZATION, writeNsfwGraphModel } from '../fixtures/nsfwjs-graph-model.ts';
import { tfliteWithSupportMetadata } from '../fixtures/tflite-support-metadata.ts';
import { seedPageBundle } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * A TF.js graph model that did not come from retraining, benchmarked in
 * headless Chromium: the nsfwjs package's TF Hub MobileNetV2 (extracted from
 * its files by code, no download) is loaded by the page through
 * tf.loadGraphModel on tfjs-wasm, timed, and agrees with the host's TF.js
 * reference on the unlabelled agreement images (no --images: no accuracy).
 */
describe("a graph model.json (nsfwjs's MobileNetV2) on tfjs-wasm", () => {
  let dir: string;
  let modelJson: string;

  before(async () => {
    dir = await tempDir('browser-user-graph');
    await seedPageBundle(join(dir, '.bench'));
    modelJson = await writeNsfwGraphModel(join(dir, 'source'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a graph model.json runs in Chromium on tfjs-wasm: latency, and agreement with the host reference', async () => {
    const out = join(dir, '.bench');
    const config = parseConfig({
      out,
      models: [{ path: modelJson, labels: NSFW_CLASSES, normalization: NSFW_NORMALIZATION }],
      run: { targets: ['browser'], backends: ['tfjs-wasm'], evalLimit: 2, warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 10_000, rounds: 1 },
      browser: { browsers: ['/usr/bin/chromium'] },
    });
    const { record } = await runBenchmarks({ config, log: memoryLogger(), out, referenceInProcess: true });
    assert.deepEqual(record.artifacts.map((artifact) => artifact.id), ['mobilenet_v2_mid/tfjs/float32']);
    assert.equal(record.measurements.length, 1, JSON.stringify(record.failures));
    const [measurement] = record.measurements;
    assert.equal(measurement!.key.target, 'browser');
    assert.equal(measurement!.key.runtime, 'tfjs-wasm');
    assert.equal(measurement!.device.extra?.backend, 'wasm');
    assert.ok(measurement!.latency.p50 > 0);
    assert.equal(measurement!.evaluation?.images, 2);
    // NaN in the record (null once written to JSON): no labelled images, no accuracy.
    assert.ok(Number.isNaN(measurement!.evaluation?.accuracy), `accuracy ${measurement!.evaluation?.accuracy}`);
    assert.match(measurement!.evaluation?.agreement?.reference ?? '', /^tfjs-/);
    assert.equal(measurement!.evaluation?.agreement?.top1, 1);
    // The same float32 graph on another engine: rounding-level differences only.
    assert.ok(measurement!.evaluation!.agreement!.maxAbsDiff < 1e-3, `max |Δp| ${measurement!.evaluation!.agreement!.maxAbsDiff}`);
  });
});

interface LabelledRun {
  out: string;
  record: RunRecord;
  lines: string[];
  tiny: TinyArtifact;
  images: Awaited<ReturnType<typeof writeColourImages>>;
}

let labelled: Promise<LabelledRun> | undefined;
let labelledDir: string | undefined;

/**
 * One run of the two user models given with labelled --images, made when a
 * test first asks for it: the tiny layers model.json (made here with TF.js,
 * saved outside the out folder, id `colours`) on tfjs-wasm, and the same
 * model as a .tflite with TFLite Support metadata (`my-colours.tflite`) on
 * litert-wasm.
 */
function labelledRun(): Promise<LabelledRun> {
  labelled ??= (async () => {
    const dir = (labelledDir = await tempDir('browser-user-labelled'));
    const out = join(dir, '.bench');
    await seedPageBundle(out);
    const tiny = await makeTinyArtifact(join(dir, 'source'));
    const model = await loadLayersModel(tiny.modelJsonPath);
    // The tiny model takes pixel / 255: mean 0, std 255.
    const bytes = tfliteWithSupportMetadata(model, { imageSize: 32, mean: [0], std: [255], labels: TINY_CLASSES });
    model.dispose();
    const tflitePath = join(dir, 'my-colours.tflite');
    await writeFile(tflitePath, bytes);
    const images = await writeColourImages(join(dir, 'images'));
    const config = parseConfig({
      out,
      models: [{ path: tiny.modelJsonPath, id: 'colours', labels: TINY_CLASSES, normalization: { scale: 1 / 255, offset: 0 } }, tflitePath],
      dataset: { images: images.root },
      run: { targets: ['browser'], backends: ['tfjs-wasm', 'litert-wasm'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000, rounds: 1 },
      browser: { browsers: ['/usr/bin/chromium'] },
    });
    const log = memoryLogger();
    const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true });
    return { out, record, lines: log.lines, tiny, images };
  })();
  return labelled;
}

after(() => {
  if (labelledDir) rmSync(labelledDir, { recursive: true, force: true });
});

/**
 * A layers model.json that did not come from `bench retrain` (made here with
 * TF.js, saved outside the out folder), benchmarked in headless Chromium with
 * labelled --images: the evaluation pack built from the images travels to the
 * page as a retrained model's does, and the page measures accuracy on it.
 */
describe('a layers model.json with labelled --images on tfjs-wasm', () => {
  test('a layers model.json with --images in Chromium: accuracy on the labelled images on tfjs-wasm', async () => {
    const { record, images } = await labelledRun();
    const mine = record.measurements.filter((entry) => entry.key.model === 'colours');
    assert.equal(mine.length, 1, JSON.stringify(record.failures));
    const [measurement] = mine;
    assert.equal(measurement!.key.model, 'colours', 'the id the config names');
    assert.equal(measurement!.key.target, 'browser');
    assert.equal(measurement!.key.runtime, 'tfjs-wasm');
    assert.equal(measurement!.evaluation?.images, images.count);
    // (count - 1) / count: the misfiled picture is counted wrong, so the labels came from the folders.
    assert.equal(measurement!.evaluation?.accuracy, images.expectedAccuracy);
    assert.equal(measurement!.evaluation?.agreement?.top1, 1);
  });
});

/**
 * A user's .tflite file benchmarked in headless Chromium on LiteRT.js
 * (litert-wasm): a tiny model whose file describes itself the way TF Hub's
 * do, with TFLite Support metadata (input normalisation, a labels file in the
 * zip appended to it; no edgebench entry), given by path with labelled
 * images. The run takes normalisation and class names from the file; with no
 * Mobile artifact the file on tflite-node is the agreement reference, and the
 * page measures accuracy on the images.
 */
describe('a .tflite with TFLite Support metadata on litert-wasm', () => {
  test('a .tflite with TFLite Support metadata on litert-wasm in Chromium: described by its metadata, latency, accuracy on --images, agreement with tflite-node', async () => {
    const { out, record, lines, images } = await labelledRun();
    const metadata = JSON.parse(readFileSync(metadataPath(out, 'my-colours'), 'utf8')) as ModelMetadata;
    assert.deepEqual(metadata.classNames, TINY_CLASSES, 'class names from the packed labels file');
    assert.deepEqual(metadata.normalization, { scale: 1 / 255, offset: 0 }, 'normalisation from NormalizationOptions');
    assert.deepEqual(metadata.source?.assumed, []);
    assert.equal(lines.some((line) => line.includes('assumed')), false);
    assert.deepEqual(record.artifacts.filter((artifact) => artifact.model === 'my-colours').map((artifact) => artifact.id), ['my-colours/tflite/float32'], 'the file stem is the id; no Mobile artifact');
    const mine = record.measurements.filter((entry) => entry.key.model === 'my-colours');
    assert.equal(mine.length, 1, JSON.stringify(record.failures));
    const [measurement] = mine;
    assert.equal(measurement!.key.target, 'browser');
    assert.equal(measurement!.key.runtime, 'litert-wasm');
    assert.equal(measurement!.key.format, 'tflite');
    assert.ok(measurement!.latency.p50 > 0);
    assert.equal(measurement!.evaluation?.images, images.count);
    assert.equal(measurement!.evaluation?.accuracy, images.expectedAccuracy);
    assert.equal(measurement!.evaluation?.agreement?.reference, 'tflite-node');
    assert.equal(measurement!.evaluation?.agreement?.top1, 1);
  });
});
