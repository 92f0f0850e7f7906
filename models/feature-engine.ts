/**
 * Feature engines: what runs a backbone on the host for host-side work
 * (bottlenecks, distorted training batches). The fastest one installed is
 * native TFLite with XNNPACK on every core, on a float32 .tflite conversion of
 * the backbone (cut at its feature layer, pooled) made by our own converter;
 * the others are TF.js backends (`tensorflow` from tfjs-node where it
 * installed, else `wasm`, else `cpu`: models/backend.ts picks).
 *
 * models/ does not import targets/, so the native runner is passed in
 * (targets/node/tflite-host.ts implements TfliteRunner; the harness wires it).
 * The same runner runs the converter's int8 calibration
 * (models/tflite/native-calibration.ts).
 *
 * A guard keeps the fast engine honest: its first batch is compared with
 * TF.js on the same images (features within FEATURE_TOLERANCE relative to the
 * largest feature); a mismatch, or an engine that fails to load, falls back
 * to TF.js with one warning. The bottleneck cache does not record the engine:
 * engines that pass the guard give the same vectors to within 1e-4.
 */
import * as tf from '@tensorflow/tfjs';
import type { Logger } from '../harness/core/log.ts';
import { backboneTflite } from './backbone-tflite.ts';
import type { TfliteRunner } from './tflite/runner.ts';
import type { Backbone } from './zoo.ts';

// The runner's types live with the converter that also runs files on it (int8 calibration); importers of this module keep finding them here.
export type { TfliteRunner, TfliteRunnerSession } from './tflite/runner.ts';

/** Largest |fast − TF.js| allowed on the guard batch, relative to the largest |feature| of TF.js's. */
export const FEATURE_TOLERANCE = 1e-4;

export interface FeatureEngine {
  /** The engine that computes (after the guard, the one that really did): `tflite-node`, `tfjs-wasm` … */
  readonly name: string;
  /** How it runs, for the log (threads …). */
  readonly detail?: string;
  /** Pooled features of `count` raw RGB images (count × size × size × 3 bytes). */
  extract(pixels: Uint8Array, count: number): Promise<Float32Array[]>;
  dispose(): void;
}

/** The backbone's TF.js model on the active TF.js backend (`backend` names it: tensorflow, wasm, cpu). */
export function tfjsFeatureEngine(backbone: Backbone, backend: string): FeatureEngine {
  const { inputSize, normalization } = backbone.spec;
  return {
    name: `tfjs-${backend}`,
    async extract(pixels, count) {
      const features = tf.tidy(() => {
        const input = tf.tensor4d(pixels, [count, inputSize, inputSize, 3], 'int32').toFloat().mul(normalization.scale).add(normalization.offset);
        return backbone.features.predict(input) as tf.Tensor;
      });
      const flat = (await features.data()) as Float32Array;
      features.dispose();
      return split(flat, count, backbone.featureSize);
    },
    dispose() {},
  };
}

function split(flat: Float32Array, count: number, size: number): Float32Array[] {
  return Array.from({ length: count }, (_, index) => flat.slice(index * size, (index + 1) * size));
}

/**
 * The backbone converted to a float32 .tflite (our converter; kept in
 * `options.out`'s cache when given, ./backbone-tflite.ts) and run on `runner`, one single-threaded interpreter per core, the images of a
 * batch spread over them. One image at a time on one interpreter with a
 * thread per core would be slower: XNNPACK's threads wait for each other at
 * every operator, and on a host busy with other work they stall (measured
 * here under load: MobileNetV2 21 ms on one thread, 275 ms on two).
 */
export async function tfliteFeatureEngine(backbone: Backbone, runner: TfliteRunner, options: { out?: string } = {}): Promise<FeatureEngine & { kept: boolean }> {
  const { inputSize, normalization } = backbone.spec;
  // Kept in the out folder's cache when one is given (./backbone-tflite.ts): converted once, not at every retrain.
  const { bytes, kept } = await backboneTflite(backbone, options);
  const imageValues = inputSize * inputSize * 3;
  const how = { threads: 1, instances: Math.max(1, runner.cores) };
  const session = await runner.open(bytes, { batchSize: 1, ...how });
  const detail = await runner.describe(how);
  return {
    name: runner.name,
    detail,
    kept,
    async extract(pixels, count) {
      return Promise.all(
        Array.from({ length: count }, async (_, image) => {
          const offset = image * imageValues;
          const input = new Float32Array(imageValues);
          for (let index = 0; index < imageValues; index += 1) input[index] = pixels[offset + index]! * normalization.scale + normalization.offset;
          const [output] = await session.run(input);
          if (!output || output.length !== backbone.featureSize) throw new Error(`${runner.name} gave ${output?.length ?? 0} features, expected ${backbone.featureSize}`);
          return output;
        }),
      );
    },
    dispose() {
      session.dispose();
    },
  };
}

/** max |a − b| over every feature, relative to the largest |b| (b: TF.js's). */
export function relativeDifference(actual: readonly Float32Array[], expected: readonly Float32Array[]): number {
  let maxDelta = 0;
  let magnitude = 0;
  expected.forEach((vector, row) => {
    const other = actual[row];
    if (!other || other.length !== vector.length) {
      maxDelta = Number.POSITIVE_INFINITY;
      return;
    }
    for (let index = 0; index < vector.length; index += 1) {
      const delta = Math.abs(other[index]! - vector[index]!);
      // NaN counts as a total disagreement.
      maxDelta = Number.isNaN(delta) ? Number.POSITIVE_INFINITY : Math.max(maxDelta, delta);
      magnitude = Math.max(magnitude, Math.abs(vector[index]!));
    }
  });
  return maxDelta === 0 ? 0 : maxDelta / Math.max(magnitude, Number.MIN_VALUE);
}

export interface GuardOptions {
  /** Opens the fast engine; called on the first batch only (a warm cache never converts the backbone). */
  fast: () => Promise<FeatureEngine>;
  /** TF.js: the judge of the first batch, and the fallback. */
  reference: FeatureEngine;
  log: Logger;
  /** Names the backbone in messages. */
  label: string;
  tolerance?: number;
}

/**
 * The fast engine behind the guard: opened on first use, its first batch
 * checked against the reference; any failure to open or to agree switches
 * to the reference for good, with one warning saying why.
 */
export function guardedFeatureEngine(options: GuardOptions): FeatureEngine {
  const tolerance = options.tolerance ?? FEATURE_TOLERANCE;
  let current: FeatureEngine | undefined;
  let checked = false;
  const fallBack = (reason: string) => {
    options.log.warn(`${options.label}: ${reason}; computing bottlenecks on ${options.reference.name} instead`);
    current?.dispose();
    current = options.reference;
  };
  return {
    get name() {
      return current?.name ?? options.reference.name;
    },
    async extract(pixels, count) {
      if (!current) {
        try {
          current = await options.fast();
        } catch (error) {
          fallBack(`the fast engine failed to load (${(error as Error).message.split('\n')[0]})`);
        }
      }
      if (checked || current === options.reference) return current!.extract(pixels, count);
      checked = true;
      const expected = await options.reference.extract(pixels, count);
      let actual: Float32Array[];
      try {
        actual = await current!.extract(pixels, count);
      } catch (error) {
        fallBack(`${current!.name} failed on the first batch (${(error as Error).message.split('\n')[0]})`);
        return expected;
      }
      const difference = relativeDifference(actual, expected);
      if (!(difference <= tolerance)) {
        fallBack(`${current!.name} disagrees with ${options.reference.name} on the first batch (max relative difference ${difference.toExponential(2)}, allowed ${tolerance.toExponential(0)})`);
        return expected;
      }
      options.log.debug(`${options.label}: ${current!.name} agrees with ${options.reference.name} on the first batch (max relative difference ${difference.toExponential(2)})`);
      return actual;
    },
    dispose() {
      if (current && current !== options.reference) current.dispose();
      options.reference.dispose();
    },
  };
}

/**
 * [min, max] of every output of a float32 .tflite over `count` normalised
 * inputs (count × H × W × C), run image by image on the host's native
 * runner. The hook for int8 calibration on the fast engine: a float32 file
 * whose subgraph outputs are every activation tensor gives every range the
 * quantizer needs (models/tflite/int8-calibration.ts computes them on TF.js today).
 */
export async function outputRanges(runner: TfliteRunner, bytes: Uint8Array, inputs: Float32Array, count: number): Promise<Array<[number, number]>> {
  if (count < 1 || inputs.length % count !== 0) throw new Error(`outputRanges: ${inputs.length} input values do not make ${count} images`);
  const perImage = inputs.length / count;
  const session = await runner.open(bytes, { batchSize: 1, threads: runner.cores });
  try {
    const ranges: Array<[number, number]> = [];
    for (let image = 0; image < count; image += 1) {
      const outputs = await session.run(inputs.subarray(image * perImage, (image + 1) * perImage));
      outputs.forEach((output, index) => {
        let [low, high] = ranges[index] ?? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
        for (const value of output) {
          if (value < low) low = value;
          if (value > high) high = value;
        }
        ranges[index] = [low, high];
      });
    }
    return ranges;
  } finally {
    session.dispose();
  }
}
