/**
 * `bench all` streams model by model, smallest first: the first model is
 * retrained, converted and measured, its rows printed and the report written,
 * before the second model's retraining starts; the one record and the report
 * end with both models. Two tiny backbones (layers models on disk, named in
 * the config as a user adds one) on a small generated dataset, Node only.
 * With --profile, both models are profiled after every number. One run
 * (`bench all --profile`) serves both tests: the profile only follows the
 * summary, so the streaming order is the same run's; a second, warm run for
 * the profile cost its own probe, job workers and report for no other check.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ModelProfile } from '../../harness/core/profile.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { saveLayersModel } from '../../models/model-io.ts';
import { bench, type CliResult } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

let dir: string;
/** The one `bench all --profile --json` run both tests read, started by the first to ask. */
let allRun: Promise<CliResult> | undefined;
const runAll = () => (allRun ??= bench(['all', '--out', join(dir, '.bench'), '--profile', '--json'], { cwd: dir }));

/** A small conv net whose `features` layer is the backbone's feature map. */
async function tinyBackbone(path: string, inputSize: number, seed: number): Promise<void> {
  const input = tf.input({ shape: [inputSize, inputSize, 3] });
  const conv = tf.layers.conv2d({ name: 'features', filters: 8, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(conv) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(flat) as tf.SymbolicTensor;
  await saveLayersModel(tf.model({ inputs: input, outputs: output }), path);
}

before(async () => {
  dir = await tempDir('all-streams');
  await tinyBackbone(join(dir, 'big'), 40, 2);
  await tinyBackbone(join(dir, 'small'), 24, 1);
  // The larger one first in the config: bench all still starts with the smaller.
  const backbone = (name: string, inputSize: number) => ({ url: join(dir, name, 'model.json'), featureLayer: 'features', inputSize });
  const config = {
    models: ['big_net', 'small_net'],
    backbones: { big_net: backbone('big', 40), small_net: backbone('small', 24) },
    dataset: { imagesPerClass: 4, testPercent: 25, minImagesPerClass: 1 },
    retrain: { steps: 20, evalEvery: 10 },
    convert: { variants: ['float32'] },
    run: { targets: ['node'], backends: ['tflite-node'], workloads: ['infer'], rounds: 1, warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 200 },
  };
  writeFileSync(join(dir, 'bench.config.json'), JSON.stringify(config));
});
after(() => rm(dir, { recursive: true, force: true }));

test('the smaller model is measured and reported before the larger one is retrained', async () => {
  const run = await runAll();
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stderr.split('\n');
  const at = (pattern: RegExp, from = 0): number => {
    const index = lines.findIndex((line, position) => position >= from && pattern.test(line));
    assert.ok(index >= 0, `no line matching ${pattern} after line ${from} in:\n${run.stderr}`);
    return index;
  };
  // The plan's estimate comes first: these backbones are not in the shipped figures, and it says so.
  const plan = at(/^plan: .* 4 parts not estimated \(no figure for them\); cold estimates: figures shipped with edgebench/);
  const smallStarts = at(/^== small_net \(1\/2\)/, plan);
  const smallRow = at(/^small_net\s+tflite float32\s+host\s+tflite-node/, smallStarts);
  const smallReport = at(/^report so far \(small_net measured\): .*report\.html$/, smallRow);
  const bigStarts = at(/^== big_net \(2\/2\)/, smallReport);
  at(/^big_net: loading backbone/, bigStarts);
  // The table grows by the rows each batch adds: the second one has big_net's row, not small_net's again.
  const bigRow = at(/^big_net\s+tflite float32\s+host\s+tflite-node/, bigStarts);
  const bigReport = at(/^report so far \(big_net measured\)/, bigRow);
  assert.equal(lines.slice(bigStarts, bigReport).filter((line) => /^small_net\s+tflite/.test(line)).length, 0, run.stderr);

  const result = JSON.parse(run.stdout) as { record: string; report: string; firstResultSeconds: number; totalSeconds: number };
  const record = JSON.parse(readFileSync(result.record, 'utf8')) as RunRecord;
  assert.equal(record.status, 'complete');
  assert.deepEqual([...new Set(record.measurements.map((entry) => entry.key.model))].sort(), ['big_net', 'small_net']);
  assert.deepEqual(record.artifacts.map((artifact) => artifact.id).sort(), ['big_net/tfjs/float32', 'big_net/tflite/float32', 'small_net/tfjs/float32', 'small_net/tflite/float32']);
  assert.equal(record.measurements.length, 2);
  assert.deepEqual(record.training.map((entry) => entry.model).sort(), ['big_net', 'small_net']);
  // Every small_net job finished before any big_net job started: nothing else ran on the cores then.
  const small = record.measurements.filter((entry) => entry.key.model === 'small_net');
  const big = record.measurements.filter((entry) => entry.key.model === 'big_net');
  assert.ok(Math.max(...small.map((entry) => Date.parse(entry.finishedAt))) <= Math.min(...big.map((entry) => Date.parse(entry.startedAt))));
  const report = readFileSync(result.report, 'utf8');
  assert.match(report, /small_net/);
  assert.match(report, /big_net/);
  assert.ok(result.firstResultSeconds > 0 && result.firstResultSeconds < result.totalSeconds + process.uptime(), String(result.firstResultSeconds));
});

test('--profile profiles both models on the runtimes the run measured, after every number', async () => {
  const run = await runAll();
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout) as { record: string; profile?: string };
  assert.ok(result.profile, `no profile in the result: ${run.stdout}`);
  const { profiles } = JSON.parse(readFileSync(result.profile, 'utf8')) as { profiles: ModelProfile[] };
  assert.deepEqual(profiles.map((profile) => profile.model).sort(), ['big_net', 'small_net']);
  for (const profile of profiles) {
    // The run measured tflite-node float32 only: that is what is profiled, by prefix models.
    assert.deepEqual(profile.runtimes.map((entry) => `${entry.runtime} ${entry.variant}`), ['tflite-node float32'], profile.model);
    assert.equal(profile.runtimes[0]!.method, 'prefix-attribution');
    assert.ok(profile.runtimes[0]!.rows.length >= 1);
  }
  // The profile comes after the run's summary: it never delays a number.
  const lines = run.stderr.split('\n');
  assert.ok(lines.findIndex((line) => /^bench all took /.test(line)) < lines.findIndex((line) => /^profile: /.test(line)), run.stderr);
});
