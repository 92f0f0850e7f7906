/**
 * Profiling on Node: `bench profile` end to end, and the peak probe. One file (one test
 * process, ~1.5 s of startup each) for what were two, each behaviour its own
 * describe block with its own setup, named after it, its comment saying what
 * it checks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import type { ModelProfile } from '../../harness/core/profile.ts';
import { beyondPeak, percentOfPeak } from '../../harness/core/roofline.ts';
import { prepareModel } from '../../models/tflite/convert.ts';
import { modelFlops } from '../../models/tflite/flops.ts';
import { profileTfliteNode } from '../../targets/node/profile-runners.ts';
import { tinyModelFixture } from '../helpers/browser-fixture.ts';
import { bench } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * `bench profile` end to end on Node, on the tiny fixture model: tfjs-wasm's
 * tf.profile rows are the model's layers and add up to within reach of its
 * p50; tflite-node's float32 and int8-dynamic files are attributed by prefix
 * models, with XNNPACK coverage (int8-dynamic's hybrid ops named as left);
 * the record holds the profiles and `bench report` renders them.
 */
describe('bench profile on Node', () => {
  test('bench profile: tf.profile on tfjs-wasm, prefix attribution and coverage on tflite-node, rendered by bench report', async () => {
    const out = await tempDir('profile-command');
    await tinyModelFixture(out);
    const result = await bench(['profile', '--model', 'tiny', '--out', out, '--backends', 'tfjs-wasm,tflite-node', '--variants', 'float32,int8-dynamic', '--threads', '1', '--min-time', '100', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const { profiles, record } = JSON.parse(result.stdout) as { profiles: ModelProfile[]; record: string };
    const [tiny] = profiles;
    assert.equal(tiny!.model, 'tiny');
    assert.ok(tiny!.flops > 0);
    assert.deepEqual(tiny!.skipped, []);

    const wasm = tiny!.runtimes.find((entry) => entry.runtime === 'tfjs-wasm')!;
    assert.equal(wasm.method, 'tf.profile');
    assert.equal(wasm.timed, true);
    assert.deepEqual(wasm.rows.filter((row) => !row.name.startsWith('(')).map((row) => row.kind), ['conv', 'pool', 'dense']);
    assert.ok(wasm.sumMs! > 0 && wasm.p50Ms > 0 && wasm.ratio! > 0);

    const float32 = tiny!.runtimes.find((entry) => entry.runtime === 'tflite-node' && entry.variant === 'float32')!;
    assert.equal(float32.method, 'prefix-attribution');
    assert.match(float32.why!, /an attribution/);
    assert.equal(float32.rows.length, 3, 'the conv, the pool and the dense layer are blocks of their own');
    assert.equal(float32.coverage!.accelerated, float32.coverage!.total);
    const hybrid = tiny!.runtimes.find((entry) => entry.variant === 'int8-dynamic')!;
    assert.deepEqual(hybrid.coverage!.left, { CONV_2D: 1, FULLY_CONNECTED: 1 });

    const stored = JSON.parse(readFileSync(record, 'utf8')) as { profiles: ModelProfile[] };
    assert.equal(stored.profiles[0]!.runtimes.length, 3);
    const report = await bench(['report', '--out', out, '--format', 'md']);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /### Where the time goes/);
    assert.match(report.stdout, /tflite-node int8-dynamic \(prefix-attribution\).*left: CONV_2D, FULLY_CONNECTED/);
    const html = await bench(['report', '--out', out, '--output', join(out, 'r.html')]);
    assert.equal(html.code, 0, html.stderr);
    assert.match(readFileSync(join(out, 'r.html'), 'utf8'), /<section id="profiles"><h2>Where the time goes<\/h2>/);
  });
});

/**
 * The peak probe is a ceiling: on tflite-node, a small MobileNet-like
 * model runs at no more than 100% of the peak probed from its own costliest
 * layers (the fixed 1×1 probe
 * alone was beaten by models on LiteRT.js), and the profile says which probe
 * set it.
 */
describe('the peak probe is a ceiling', () => {
  type T = tf.SymbolicTensor;

  test('tflite-node: the model runs at ≤ 100% of the peak probed from its own costliest layers', async (t) => {
    // A small inverted-residual network, as the zoo's backbones are built: a strided stem, a depthwise and an expanding 1×1 convolution (the costliest).
    const input = tf.input({ shape: [32, 32, 3] });
    const init = tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 5 });
    let x = tf.layers.conv2d({ name: 'stem', filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init }).apply(input) as T;
    x = tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same', activation: 'relu', depthwiseInitializer: init }).apply(x) as T;
    x = tf.layers.conv2d({ name: 'expand', filters: 128, kernelSize: 1, activation: 'relu', kernelInitializer: init }).apply(x) as T;
    x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as T;
    x = tf.layers.dense({ name: 'head', units: 3, activation: 'softmax', kernelInitializer: init }).apply(x) as T;
    const net = tf.model({ inputs: input, outputs: x });
    const prepared = prepareModel(net);
    const cost = modelFlops(prepared.graph);
    // Only what the runner reads of a model's metadata: its input normalisation.
    const metadata = { normalization: { scale: 1 / 255, offset: 0 } } as ModelMetadata;
    const pixels = Uint8Array.from({ length: 32 * 32 * 3 }, (_, index) => (index * 53) % 256);
    const profile = await profileTfliteNode({ prepared, variant: 'float32', metadata, pixels, cost, cuts: { count: 1 }, threads: 1, budget: { minSamples: 20, minTimeMs: 150 } });
    net.dispose();

    assert.match(profile.peak!.source, /^probe: a .*convolution.*best of 3 probes/, 'the model\'s two convolutions and the representative shape were probed');
    const percent = percentOfPeak(profile.gflops, profile.peak)!;
    t.diagnostic(`the model at ${percent.toFixed(0)}% of ${profile.peak!.source}`);
    assert.ok(percent > 0 && percent <= 100, `the model at ${percent.toFixed(0)}% of ${profile.peak!.gflops.toFixed(1)} GFLOP/s (${profile.peak!.source})`);
    assert.ok(!beyondPeak({ ...profile, rows: [] }).includes('the model'));
  });
});
