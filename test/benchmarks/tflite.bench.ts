/**
 * The Lite path's performance targets, measured side by side in one run:
 * - p50 latency of mobilenet_v2 on tfjs-tflite-node (float32 and int8) against
 *   the Mobile model on Node TF.js `wasm` (targets: ≤ 0.5× and ≤ 0.35×);
 * - conversion wall time per model and variant (goal: InceptionV3, all four
 *   variants, under 60 s), int8 calibrated (ranges and bias correction, shared
 *   by both int8 variants) on the default 100 images, and the self-check of each
 *   file (8 images on tflite-node against TF.js) measured apart.
 *
 * Models: the embedded backbones with a 5-class softmax head of fixed random
 * weights (latency and conversion time do not depend on the head's training).
 *
 *   node --import tsx test/benchmarks/tflite.bench.ts [--iterations 30] [--models mobilenet_v2,inception_v3]
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { emitVariant, prepareModel, randomPixels, SELF_CHECK_IMAGES, VARIANTS, type Variant } from '../../models/tflite/index.ts';
import { checkFile, referenceOutputs } from '../../models/tflite/self-check.ts';
import { loadBackbone, resolveBackbone } from '../../models/zoo.ts';
import type { InferenceSession } from '../../targets/kernel/types.ts';
import { tfjsSession } from '../../targets/node/tfjs.ts';
import { openTfliteSession } from '../../targets/node/tflite.ts';

const { values: flags } = parseArgs({ options: { iterations: { type: 'string', default: '30' }, models: { type: 'string', default: 'mobilenet_v2,inception_v3' }, calibration: { type: 'string', default: '100' } } });
const iterations = Number(flags.iterations);
const calibrationImages = Number(flags.calibration);
const models = flags.models!.split(',');
const threads = availableParallelism();
const UNIT = { scale: 1 / 255, offset: 0 };

await tf.setBackend('wasm');
await tf.ready();

function pixelsOf(count: number, size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(count * size * size * 3);
  let state = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

async function p50(session: InferenceSession, pixels: Uint8Array): Promise<number> {
  for (let i = 0; i < 3; i++) await session.run(pixels, 1);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await session.run(pixels, 1);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const conversion: Record<string, Partial<Record<Variant | 'prepare', number>>> = {};
const selfCheck: Record<string, Partial<Record<Variant, number>>> = {};
const checkRuntime = { name: 'tflite-node', open: (bytes: Uint8Array, normalization: typeof UNIT) => openTfliteSession({ bytes, normalization, threads: 1, batchSize: 1 }) };
const latency: Record<string, number> = {};

for (const id of models) {
  const backbone = await loadBackbone(resolveBackbone(id));
  const head = tf.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 1 }), name: 'head' });
  const model = tf.model({ inputs: backbone.features.inputs, outputs: head.apply(backbone.features.outputs[0]!) as tf.SymbolicTensor });
  const size = backbone.spec.inputSize;
  const calibration = Float32Array.from(pixelsOf(calibrationImages, size, 7), (pixel) => pixel * UNIT.scale);

  const times: Partial<Record<Variant | 'prepare', number>> = {};
  let started = performance.now();
  const prepared = prepareModel(model);
  times.prepare = (performance.now() - started) / 1000;
  const files: Partial<Record<Variant, Uint8Array>> = {};
  const reference = await referenceOutputs(model, randomPixels(SELF_CHECK_IMAGES, [1, size, size, 3]), SELF_CHECK_IMAGES, UNIT);
  const checks: Partial<Record<Variant, number>> = {};
  for (const variant of VARIANTS) {
    started = performance.now();
    files[variant] = await emitVariant(prepared, { variant, normalization: UNIT, calibration });
    times[variant] = (performance.now() - started) / 1000;
    started = performance.now();
    await checkFile(files[variant]!, reference, UNIT, checkRuntime);
    checks[variant] = (performance.now() - started) / 1000;
  }
  conversion[id] = times;
  selfCheck[id] = checks;
  const total = Object.values(times).reduce((sum, value) => sum + value, 0);
  const checkTotal = Object.values(checks).reduce((sum, value) => sum + value, 0);
  console.log(`${id} conversion (s): ${Object.entries(times).map(([name, value]) => `${name} ${value.toFixed(1)}`).join(', ')}; all four variants ${total.toFixed(1)} s`);
  console.log(`${id} self-check (s, ${SELF_CHECK_IMAGES} images on tflite-node, 1 thread): ${Object.entries(checks).map(([name, value]) => `${name} ${value.toFixed(1)}`).join(', ')}; all four ${checkTotal.toFixed(1)} s`);

  if (id !== 'mobilenet_v2') continue;
  const pixels = pixelsOf(1, size, 3);
  const wasm = tfjsSession(tf, model, { inputSize: size, normalization: UNIT });
  latency['tfjs-wasm'] = await p50(wasm, pixels);
  for (const variant of ['float32', 'int8'] as const) {
    const session = await openTfliteSession({ bytes: files[variant]!, normalization: UNIT, threads, batchSize: 1 });
    latency[`tflite-node ${variant}${session.xnnpack ? '' : ' (no XNNPACK)'}`] = await p50(session, pixels);
    await session.dispose();
  }
  console.log(`mobilenet_v2 p50 latency (ms, ${iterations} iterations, tflite-node threads ${threads}): ${Object.entries(latency).map(([name, value]) => `${name} ${value.toFixed(1)}`).join(', ')}`);
  const wasmP50 = latency['tfjs-wasm']!;
  const float32 = Object.entries(latency).find(([name]) => name.startsWith('tflite-node float32'))![1];
  const int8 = Object.entries(latency).find(([name]) => name.startsWith('tflite-node int8'))![1];
  console.log(`ratio float32 / wasm: ${(float32 / wasmP50).toFixed(3)} (target ≤ 0.5) ${float32 / wasmP50 <= 0.5 ? 'PASS' : 'FAIL'}`);
  console.log(`ratio int8 / wasm:    ${(int8 / wasmP50).toFixed(3)} (target ≤ 0.35) ${int8 / wasmP50 <= 0.35 ? 'PASS' : 'FAIL'}`);
}

const inception = conversion.inception_v3;
if (inception) {
  const total = Object.values(inception).reduce((sum, value) => sum + value, 0);
  console.log(`inception_v3 all four variants: ${total.toFixed(1)} s (goal < 60 s) ${total < 60 ? 'PASS' : 'FAIL'}`);
}
console.log(JSON.stringify({ latencyMs: latency, conversionSeconds: conversion, selfCheckSeconds: selfCheck, threads, iterations, calibrationImages }));
