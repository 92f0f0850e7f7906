/**
 * Judging a converted file in tests: the same pixels through the TF.js model
 * (the active backend, `cpu` in tests) and through the .tflite on
 * tfjs-tflite-node, compared by max |Δ| and top-1 agreement along the last
 * axis. Written independently of the converter's own self-check.
 */
import * as tf from '@tensorflow/tfjs';
import { emitVariant, prepareModel, type Variant } from '../../models/tflite/index.ts';
import { openTfliteSession } from '../../targets/node/tflite.ts';

export const UNIT = { scale: 1 / 255, offset: 0 };

/**
 * Runs `work` (a conversion that calibrates) with TF.js on wasm, then gives the previous backend back:
 * `bench convert` calibrates on the fastest backend the host has (models/backend.ts), and the float
 * graph op by op on TF.js `cpu` was most of the converter tests' time. The references stay on the
 * active backend (`cpu`); wasm and cpu agree to ~1e-6, far inside the int8 bars. The wasm backend is
 * imported here, after the active one is chosen: imported at load it would become the default.
 */
export async function calibratedOnWasm<T>(work: () => Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  try {
    return await work();
  } finally {
    await tf.setBackend(previous);
  }
}

export function predictTfjs(model: tf.LayersModel, pixels: Uint8Array, count: number): Float32Array {
  const shape = model.inputs[0]!.shape.slice(1) as number[];
  return tf.tidy(() => (model.predict(tf.tensor(pixels, [count, ...shape], 'int32').toFloat().mul(UNIT.scale)) as tf.Tensor).dataSync() as Float32Array);
}

export async function predictTflite(bytes: Uint8Array, pixels: Uint8Array, count: number, batchSize = 1): Promise<Float32Array> {
  const session = await openTfliteSession({ bytes, normalization: UNIT, threads: 1, batchSize });
  const perImage = pixels.length / count;
  const parts: Float32Array[] = [];
  for (let start = 0; start < count; start += batchSize) parts.push(await session.run(pixels.subarray(start * perImage, (start + batchSize) * perImage), batchSize));
  await session.dispose();
  const all = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

export function compareOutputs(expected: Float32Array, actual: Float32Array, classes: number): { maxDelta: number; agreement: number } {
  if (expected.length !== actual.length) throw new Error(`${actual.length} outputs, expected ${expected.length}`);
  let maxDelta = 0;
  for (let i = 0; i < expected.length; i++) maxDelta = Math.max(maxDelta, Math.abs(expected[i]! - actual[i]!) || (Number.isNaN(actual[i]) ? Infinity : 0));
  const argmax = (values: Float32Array, row: number) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[row * classes + c]! > values[row * classes + best]!) best = c;
    return best;
  };
  const rows = expected.length / classes;
  let agree = 0;
  for (let row = 0; row < rows; row++) if (argmax(expected, row) === argmax(actual, row)) agree++;
  return { maxDelta, agreement: agree / rows };
}

export interface VariantResult {
  variant: Variant;
  bytes: Uint8Array;
  maxDelta: number;
  agreement: number;
}

/**
 * Converts `model` to every variant and compares each file with TF.js on `pixels`. The model is
 * lowered once and its variants emitted from it, as `bench convert` does (models/tflite/convert.ts
 * convertModel): the two int8 variants share one calibration instead of running the float graph
 * over the images twice (convertLayersModel is prepareModel then emitVariant), on wasm.
 */
export async function convertAndCompare(model: tf.LayersModel, pixels: Uint8Array, count: number, calibration: Float32Array): Promise<VariantResult[]> {
  const expected = predictTfjs(model, pixels, count);
  const classes = model.outputs[0]!.shape.at(-1)!;
  const prepared = prepareModel(model);
  const results: VariantResult[] = [];
  for (const variant of ['float32', 'float16', 'int8-dynamic', 'int8'] as const) {
    const bytes = await calibratedOnWasm(() => emitVariant(prepared, { variant, normalization: UNIT, calibration }));
    results.push({ variant, bytes, ...compareOutputs(expected, await predictTflite(bytes, pixels, count), classes) });
  }
  return results;
}

/** The bars: float32 ≤ 1e-4 and 100% top-1, float16 ≤ 5e-3, int8 variants ≥ 90% top-1. */
export function failedBars(results: VariantResult[]): string[] {
  const failed: string[] = [];
  for (const { variant, maxDelta, agreement } of results) {
    if (variant === 'float32' && !(maxDelta <= 1e-4 && agreement === 1)) failed.push(`float32: max |Δ| ${maxDelta}, agreement ${agreement}`);
    if (variant === 'float16' && !(maxDelta <= 5e-3)) failed.push(`float16: max |Δ| ${maxDelta}`);
    if ((variant === 'int8' || variant === 'int8-dynamic') && !(agreement >= 0.9)) failed.push(`${variant}: agreement ${agreement}`);
  }
  return failed;
}

export function describe(results: VariantResult[]): string {
  return results.map(({ variant, maxDelta, agreement }) => `${variant} ${maxDelta.toExponential(1)} ${(agreement * 100).toFixed(0)}%`).join(', ');
}
