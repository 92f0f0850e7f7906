/**
 * The peak probe is a ceiling: on tflite-node, a small MobileNet-like
 * model runs at no more than 100% of the peak probed from its own costliest
 * layers (the fixed 1×1 probe
 * alone was beaten by models on LiteRT.js), and the profile says which probe
 * set it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { beyondPeak, percentOfPeak } from '../../harness/core/roofline.ts';
import { prepareModel } from '../../models/tflite/convert.ts';
import { modelFlops } from '../../models/tflite/flops.ts';
import { profileTfliteNode } from '../../targets/node/profile-runners.ts';

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
