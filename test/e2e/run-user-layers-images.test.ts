/**
 * A layers model.json that did not come from `bench retrain` (made here
 * with TF.js), benchmarked by path with labelled --images: the images are
 * matched to its class names by folder, become its evaluation pack, and the
 * run measures accuracy on them as well as agreement.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../harness/core/config.ts';
import { readEvalPack } from '../../harness/core/eval-pack.ts';
import { evalPackDir, liteModelPath } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { makeTinyArtifact, TINY_CLASSES, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { writeColourImages } from '../fixtures/colour-images.ts';

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

const quick = { warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000 };

test('a layers model.json with --images: accuracy on the labelled images, agreement with the cpu reference', async () => {
  const out = join(dir, '.bench');
  const log = memoryLogger();
  const config = parseConfig({
    out,
    models: [{ path: tiny.modelJsonPath, id: 'colours', labels: TINY_CLASSES, normalization: { scale: 1 / 255, offset: 0 } }],
    dataset: { images: images.root },
    run: { targets: ['node'], backends: ['tfjs-wasm'], ...quick },
  });
  const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true });
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
