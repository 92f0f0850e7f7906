/**
 * A TF.js graph model that did not come from retraining, benchmarked in
 * headless Chromium: the nsfwjs package's TF Hub MobileNetV2 (extracted from
 * its files by code, no download) is loaded by the page through
 * tf.loadGraphModel on tfjs-wasm, timed, and agrees with the host's TF.js
 * reference on the unlabelled agreement images (no --images: no accuracy).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { NSFW_CLASSES, NSFW_NORMALIZATION, writeNsfwGraphModel } from '../fixtures/nsfwjs-graph-model.ts';
import { seedPageBundle } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

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
