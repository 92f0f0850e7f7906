/**
 * One bad model among good ones costs only its own jobs: a model whose
 * metadata.json says inputSize -5, one whose normalisation is Infinity
 * (1e999 in JSON), a graph model with a cycle and a model whose input side
 * is 100,000 pixels are each skipped with one
 * warning line naming the model and the field or nodes; the good model
 * beside them is still measured. (They used to abort the whole run with a
 * stack trace from sharp, or record NaN outputs as agreement.)
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { saveLayersModel } from '../../models/model-io.ts';

let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgebench-bad-one-'));
  await tf.setBackend('cpu');
  const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 2, kernelSize: 3 }), tf.layers.globalAveragePooling2d({}), tf.layers.dense({ units: 3, activation: 'softmax' })] });
  await saveLayersModel(model, join(dir, 'good'));
  model.dispose();
  writeFileSync(join(dir, 'good', 'metadata.json'), JSON.stringify({ normalization: { scale: 1 / 255, offset: 0 }, classNames: ['a', 'b', 'c'] }));
  for (const [name, metadata] of [
    ['negative', '{"inputSize": -5}'],
    ['infinite', '{"normalization": {"scale": 1e999, "offset": 0}}'],
  ]) {
    cpSync(join(dir, 'good'), join(dir, name!), { recursive: true });
    writeFileSync(join(dir, name!, 'metadata.json'), metadata!);
  }
  // An input side of 100,000 pixels: refused before a probe or an evaluation image of that size is allocated.
  const huge = tf.sequential({ layers: [tf.layers.globalAveragePooling2d({ inputShape: [100_000, 100_000, 3] }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
  await saveLayersModel(huge, join(dir, 'huge'));
  huge.dispose();
  mkdirSync(join(dir, 'cycle'));
  const input = { name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [-1, 16, 16, 3].map((size) => ({ size: String(size) })) } } } };
  const node = [input, { name: 'a', op: 'AddV2', input: ['input', 'b'] }, { name: 'b', op: 'Relu', input: ['a'] }, { name: 'out', op: 'Softmax', input: ['b'] }];
  writeFileSync(join(dir, 'cycle', 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node }, weightsManifest: [] }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the good model is measured; each bad one is one warning line naming it', async () => {
  const out = join(dir, '.bench');
  const log = memoryLogger();
  const paths = ['negative', 'good', 'infinite', 'cycle', 'huge'].map((name) => join(dir, name, 'model.json'));
  const config = parseConfig({ out, models: paths, run: { targets: ['node'], backends: ['tfjs-cpu'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000, rounds: 1, evalLimit: 2 } });
  const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true });
  assert.deepEqual([...new Set(record.measurements.map((measurement) => measurement.key.model))], ['good'], JSON.stringify(record.failures));
  const skipped = log.lines.filter((line) => line.includes('skipped'));
  assert.deepEqual(skipped, [
    `warning: ${paths[0]}: skipped, ${join(dir, 'negative', 'metadata.json')}: inputSize must be an integer between 8 and 4096, got -5`,
    `warning: ${paths[2]}: skipped, ${join(dir, 'infinite', 'metadata.json')}: normalization scale must be a finite number other than 0, got Infinity`,
    `warning: ${paths[3]}: skipped, ${paths[3]}: the graph has a cycle of 2 nodes: "a" → "b" → "a" (each reads the next); a feed-forward graph has none`,
    `warning: ${paths[4]}: skipped, ${paths[4]}: input shape [?, 100000, 100000, 3]: its side must be an integer between 8 and 4096, got 100000`,
  ]);
});
