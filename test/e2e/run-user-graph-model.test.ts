/**
 * `bench run --model path/to/model.json` on a TF.js graph model that did not
 * come from retraining: the nsfwjs package's TF Hub MobileNetV2 (extracted
 * from its files, no download) is imported under its folder's name, loaded
 * through tf.loadGraphModel on tfjs-wasm, and agrees with the TF.js cpu
 * reference on the unlabelled agreement images (no --images: no accuracy).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { metadataPath } from '../../harness/core/layout.ts';
import { NSFW_CLASSES, writeNsfwGraphModel } from '../fixtures/nsfwjs-graph-model.ts';
import { bench } from '../helpers/cli.ts';

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
