/**
 * `bench run --model <path>` on models that did not come from retraining: a
 * graph model, a layers model with labelled images, a .tflite file. One file
 * (one test process, ~1.5 s of startup each) for what were three, each
 * behaviour its own describe block with its own setup, named after it, its
 * comment saying what it checks.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { readEvalPack } from '../../harness/core/eval-pack.ts';
import { evalPackDir, liteModelPath, metadataPath } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { loadLayersModel } from '../../models/model-io.ts';
import { convertLayersModel } from '../../models/tflite/index.ts';
import { createNodeTarget } from '../../targets/node/index.ts';
import { writeColourImages } from '../fixtures/colour-images.ts';
import { makeTinyArtifact, TINY_CLASSES, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { NSFW_CLASSES, writeNsfwGraphModel } from '../fixtures/nsfwjs-graph-model.ts';
import { bench } from '../helpers/cli.ts';

/**
 * `bench run --model path/to/model.json` on a TF.js graph model that did not
 * come from retraining: the nsfwjs package's TF Hub MobileNetV2 (extracted
 * from its files, no download) is imported under its folder's name, loaded
 * through tf.loadGraphModel on tfjs-wasm, and agrees with the TF.js cpu
 * reference on the unlabelled agreement images (no --images: no accuracy).
 */
describe('a TF.js graph model by path', () => {
  let dir: string;
  let modelJson: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgebench-user-graph-'));
    modelJson = await writeNsfwGraphModel(dir);
    writeFileSync(join(dir, 'classes.txt'), `${NSFW_CLASSES.join('\n')}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a graph model.json by path: measured on tfjs-wasm, agreeing with the reference, described by the flags', async () => {
    const out = join(dir, '.bench');
    const result = await bench(
      ['run', '--json', '--model', modelJson, '--normalization', '0,1', '--labels', join(dir, 'classes.txt'), '--targets', 'node', '--backends', 'tfjs-wasm', '--eval-limit', '2', '--min-samples', '3', '--min-time', '0', '--warmup', '1', '--out', out],
      { cwd: dir },
    );
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { record: string };
    const record = JSON.parse(readFileSync(summary.record, 'utf8')) as RunRecord;
    assert.deepEqual(record.artifacts.map((artifact) => artifact.id), ['mobilenet_v2_mid/tfjs/float32'], 'the id is the model folder name');
    assert.deepEqual(record.training, [], 'a user model has no training summary');
    const [measurement] = record.measurements;
    assert.equal(record.measurements.length, 1, JSON.stringify(record.failures));
    assert.equal(measurement!.key.runtime, 'tfjs-wasm');
    assert.ok(measurement!.latency.p50 > 0);
    assert.equal(measurement!.evaluation?.images, 2);
    assert.equal(measurement!.evaluation?.accuracy, null, 'no labelled images: no accuracy');
    // The reference is made once, on the fastest exact TF.js engine of the host.
    assert.match(measurement!.evaluation?.agreement?.reference ?? '', /^tfjs-(tensorflow|wasm|cpu)$/);
    assert.equal(measurement!.evaluation?.agreement?.top1, 1);
    assert.ok(measurement!.evaluation!.agreement!.maxAbsDiff < 1e-3, `max |Δp| ${measurement!.evaluation!.agreement!.maxAbsDiff}`);

    const metadata = JSON.parse(readFileSync(metadataPath(out, 'mobilenet_v2_mid'), 'utf8')) as ModelMetadata;
    assert.equal(metadata.source?.format, 'graph');
    assert.equal(metadata.inputSize, 224, 'from the graph input shape');
    assert.deepEqual(metadata.classNames, NSFW_CLASSES, 'from --labels');
    assert.deepEqual(metadata.normalization, { scale: 1 / 255, offset: 0 }, 'from --normalization 0,1');
    assert.deepEqual(metadata.source?.assumed, []);
    assert.doesNotMatch(result.stderr, /assumed/);
  });

  test('without describing flags the defaults taken are named in one line', async () => {
    const out = join(dir, '.bench-defaults');
    const result = await bench(['run', '--model', modelJson, '--targets', 'node', '--backends', 'none-such', '--out', out], { cwd: dir });
    const lines = result.stderr.split('\n').filter((line) => line.includes('assumed'));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /mobilenet_v2_mid: assumed normalisation to \[-1, 1\].*class names class_0\.\.class_4/);
    assert.doesNotMatch(lines[0]!, /input size/, 'the graph fixes its input size');
  });
});

/**
 * A layers model.json that did not come from `bench retrain` (made here
 * with TF.js), benchmarked by path with labelled --images: the images are
 * matched to its class names by folder, become its evaluation pack, and the
 * run measures accuracy on them as well as agreement (real tfjs-wasm, run in
 * this process).
 */
describe('a layers model by path, with labelled --images', () => {
  let dir: string;
  let tiny: TinyArtifact;
  let images: Awaited<ReturnType<typeof writeColourImages>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgebench-user-layers-'));
    // Written into a folder of its own, not the out folder: to the run it is just a model.json somewhere.
    tiny = await makeTinyArtifact(join(dir, 'source'));
    images = await writeColourImages(join(dir, 'images'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const quick = { warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000, rounds: 1 };

  test('a layers model.json with --images: accuracy on the labelled images, agreement with the cpu reference', async () => {
    const out = join(dir, '.bench');
    const log = memoryLogger();
    const config = parseConfig({
      out,
      models: [{ path: tiny.modelJsonPath, id: 'colours', labels: TINY_CLASSES, normalization: { scale: 1 / 255, offset: 0 } }],
      dataset: { images: images.root },
      run: { targets: ['node'], backends: ['tfjs-wasm'], ...quick },
    });
    // Its job and probe in this process (the target's isolate: false, a user's option too), where TF.js is loaded already:
    // what is checked is the import of the model and its images, and a worker's start is ~1.5 CPU s.
    const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true, targets: { node: async () => createNodeTarget({ isolate: false }) } });
    assert.equal(record.measurements.length, 1, JSON.stringify(record.failures));
    const [measurement] = record.measurements;
    assert.equal(measurement!.key.model, 'colours', 'the id the config names');
    assert.equal(measurement!.evaluation?.images, images.count);
    assert.equal(measurement!.evaluation?.accuracy, images.expectedAccuracy);
    assert.equal(measurement!.evaluation?.agreement?.top1, 1);

    const pack = await readEvalPack(evalPackDir(out, 'colours'));
    assert.deepEqual(pack.classNames, TINY_CLASSES);
    assert.equal(pack.height, 32, 'decoded at the model input size');
    assert.equal(pack.labels.filter((label) => label === 0).length, 3, 'two red pictures and the misfiled green one are labelled red');
    assert.equal(existsSync(liteModelPath(out, 'colours', 'float32')), false);
  });

  test('an image folder that matches none of the class names is one line naming it; the run goes on without that model', async () => {
    const out = join(dir, '.bench-mismatch');
    const log = memoryLogger();
    const config = parseConfig({ out, models: [{ path: tiny.modelJsonPath, id: 'colours', labels: ['cyan', 'magenta', 'yellow'] }], dataset: { images: images.root }, run: { targets: ['node'], backends: ['tfjs-wasm'], ...quick } });
    await assert.rejects(runBenchmarks({ config, log, out, referenceInProcess: true }), /nothing to benchmark/);
    const warning = log.lines.find((line) => line.includes('match'));
    assert.ok(warning, log.lines.join('\n'));
    assert.match(warning!, /folders blue, green, red match no class of colours \(cyan, magenta, yellow\)/);
    assert.equal(warning!.includes('\n'), false);
  });
});

/**
 * A user's .tflite file benchmarked by path: a tiny layers model converted
 * here with the project's converter (which writes normalisation and class
 * names into the file's metadata), run on tflite-node with labelled images.
 * With no Mobile artifact the file is its own reference on tflite-node.
 */
describe("a user's .tflite file by path", () => {
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
    const config = parseConfig({ out, models: [tflitePath], dataset: { images: images.root }, run: { targets: ['node'], backends: ['tflite-node'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000, rounds: 1 } });
    // Its probe and job in this process (the target's isolate: false), as the layers model's: what is checked is the
    // import of the file, and the reference loads tflite-node here anyway; a worker's start is ~1.5 CPU s.
    const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true, targets: { node: async () => createNodeTarget({ isolate: false }) } });
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
});
