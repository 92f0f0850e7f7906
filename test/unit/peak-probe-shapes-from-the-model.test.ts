/**
 * The peak probes are built from the model itself: its costliest
 * convolutions by FLOPs from the converter's IR, in their exact shapes
 * (stride, padding, depthwise), distinct shapes only, then the
 * representative 16×16×512 → 512 1×1 shape; the probe files' FLOPs are those
 * of their own graphs (the RGB adapter and the closing pool included). The peak is the best rate among the probes, and
 * whatever still runs faster than it is named, never shown as > 100%.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { prepareModel } from '../../models/tflite/convert.ts';
import { peakProbeFiles, probeShapes, REPRESENTATIVE_PROBE } from '../../models/tflite/peak-probes.ts';
import { beyondPeak, bestPeak, probeShapeFlops } from '../../harness/core/roofline.ts';
import { runtimeTable } from '../../reports/profile.ts';
import type { RuntimeProfile } from '../../harness/core/profile.ts';

type T = tf.SymbolicTensor;

function model(): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3] });
  // 2 × 16² × 8 × 27 = 110,592 FLOPs.
  let x = tf.layers.conv2d({ name: 'stem', filters: 8, kernelSize: 3, strides: 2, padding: 'same' }).apply(input) as T;
  // 2 × 16² × 8 × 9 = 36,864.
  x = tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same' }).apply(x) as T;
  // 2 × 16² × 64 × 8 = 262,144: the costliest.
  x = tf.layers.conv2d({ name: 'expand', filters: 64, kernelSize: 1 }).apply(x) as T;
  // 2 × 16² × 8 × 64 = 262,144 too, but 64 → 8: a shape of its own, second.
  x = tf.layers.conv2d({ name: 'project', filters: 8, kernelSize: 1 }).apply(x) as T;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as T;
  x = tf.layers.dense({ name: 'fc', units: 3, activation: 'softmax' }).apply(x) as T;
  return tf.model({ inputs: input, outputs: x });
}

test('the costliest distinct convolution shapes of the IR, exactly, then the representative one', () => {
  const net = model();
  const shapes = probeShapes(prepareModel(net).graph);
  assert.deepEqual(shapes.map(({ layer, ...shape }) => [layer, shape.op, shape.side, shape.inChannels, shape.outChannels, shape.kernelH, shape.strideH, shape.padding]), [
    ['expand', 'conv', 16, 8, 64, 1, 1, 'valid'],
    ['project', 'conv', 16, 64, 8, 1, 1, 'valid'],
    [undefined, 'conv', 16, 512, 512, 1, 1, 'valid'],
  ]);
  assert.equal(probeShapeFlops(shapes[0]!), 262_144);
  // Three probes asked for: the stem (stride 2, from the RGB input) comes before the cheaper depthwise.
  const three = probeShapes(prepareModel(net).graph, 3);
  assert.deepEqual(three.map((shape) => shape.layer), ['expand', 'project', 'stem', undefined]);
  assert.deepEqual([three[2]!.strideH, three[2]!.inChannels, three[2]!.side], [2, 3, 32]);
  const four = probeShapes(prepareModel(net).graph, 4);
  assert.deepEqual([four[3]!.layer, four[3]!.op, four[3]!.inChannels, four[3]!.outChannels, four[3]!.kernelH], ['dw', 'depthwise', 8, 8, 3]);
  net.dispose();
});

test('a model whose costliest layer is the representative shape probes it once', () => {
  const input = tf.input({ shape: [16, 16, 512] });
  const net = tf.model({ inputs: input, outputs: tf.layers.conv2d({ name: 'big', filters: 512, kernelSize: 1 }).apply(input) as T });
  const shapes = probeShapes(prepareModel(net).graph);
  assert.equal(shapes.length, 1);
  assert.equal(shapes[0]!.layer, 'big');
  assert.equal(REPRESENTATIVE_PROBE.side, 16);
  net.dispose();
});

test('each probe file is the shape behind an RGB input, its FLOPs counted on its own graph', async () => {
  const net = model();
  const files = await peakProbeFiles(prepareModel(net).graph, 'float32');
  net.dispose();
  assert.equal(files.length, 3);
  // expand: a 1×1 3 → 8 convolution first (2 × 16² × 3 × 8), then the layer itself, then the pool to 64 values (one FLOP per element read).
  assert.equal(files[0]!.flops, 2 * 256 * 3 * 8 + 262_144 + 256 * 64);
  assert.equal(files[0]!.side, 16);
  assert.match(files[0]!.description, /^a 16×16×8 → 64 1×1 convolution \(layer expand\), float32$/);
  assert.equal(files[2]!.description, 'a 16×16×512 → 512 1×1 convolution, float32');
  for (const file of files) assert.equal(new TextDecoder().decode(file.file.subarray(4, 8)), 'TFL3');
});

test('the peak is the best probe; what beats it is named and shown as no ceiling, not as > 100%', () => {
  const peak = bestPeak([
    { description: 'a 16×16×512 → 512 1×1 convolution, float32', flops: 2e8, ms: 10 },
    { description: 'a 16×16×8 → 64 1×1 convolution (layer expand), float32', flops: 3e8, ms: 10 },
  ])!;
  assert.equal(peak.gflops, 30);
  assert.match(peak.source, /^probe: a 16×16×8 → 64 1×1 convolution \(layer expand\), float32, fastest 10\.00 ms; best of 2 probes \(also a 16×16×512 → 512 1×1 convolution, float32 20\.0 GFLOP\/s\)$/);
  const profile: RuntimeProfile = {
    runtime: 'browser:litert-wasm',
    variant: 'float32',
    method: 'prefix-attribution',
    timed: true,
    rows: [
      { name: 'block_1', kind: 'conv', ms: 1, flops: 4e7, intensity: 5, count: 3 },
      { name: 'block_2', kind: 'conv', ms: 1, flops: 1e7, intensity: 5, count: 3 },
    ],
    sumMs: 2,
    p50Ms: 1.5,
    ratio: 2 / 1.5,
    gflops: 33,
    peak,
  };
  assert.deepEqual(beyondPeak(profile), ['the model', 'block_1']);
  const table = runtimeTable(profile);
  assert.match(table.peak!, /; the probe is no ceiling for: the model, block_1$/);
  assert.doesNotMatch(table.peak!, /the model at/);
  assert.deepEqual(beyondPeak({ ...profile, gflops: 15, rows: [profile.rows[1]!] }), []);
  assert.match(runtimeTable({ ...profile, gflops: 15 }).peak!, /; the model at 50% of it; the probe is no ceiling for: block_1$/);
});

test('a probe the clock read as 0 ms has no rate: the peak comes from the others and names it; with none timed there is no peak', () => {
  const peak = bestPeak([
    { description: 'a 16×16×512 → 512 1×1 convolution, float32', flops: 2e8, ms: 10 },
    { description: 'a 4×4×8 → 8 1×1 convolution (layer tiny), float32', flops: 1e4, ms: 0 },
  ])!;
  assert.equal(peak.gflops, 20);
  assert.match(peak.source, /; too fast for the clock, no rate: a 4×4×8 → 8 1×1 convolution \(layer tiny\), float32$/);
  assert.equal(bestPeak([{ description: 'x', flops: 1e4, ms: 0 }]), undefined);
});
