/**
 * The self-check at the end of every conversion: the new file runs on a TFLite
 * runtime (tfjs-tflite-node, passed in by the caller: models/ does not import
 * targets/) on a few images, against the TF.js model it came from, and the
 * largest output difference and the top-1 agreement are reported per variant.
 * A float32 file outside SELF_CHECK_FLOAT32_TOLERANCE is an error: the
 * converter wrote something that computes another function.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../harness/core/errors.ts';
import type { Normalization } from '../../harness/core/metadata.ts';
import { seededRandom } from '../random.ts';

/** Images each variant is checked on. */
export const SELF_CHECK_IMAGES = 8;
/** Largest |Δ| a float32 file may show, relative to the largest |output| when that is above 1 (probabilities: absolute). */
export const SELF_CHECK_FLOAT32_TOLERANCE = 1e-4;

/** A session of a TFLite runtime on one file: raw pixels in, float outputs out (the runtime applies the normalisation). */
export interface CheckSession {
  run(pixels: Uint8Array, batch: number): Promise<Float32Array>;
  dispose(): void | Promise<void>;
}

/** Opens a file on a TFLite runtime; `name` goes into the report. */
export interface CheckRuntime {
  name: string;
  open(bytes: Uint8Array, normalization: Normalization): Promise<CheckSession>;
}

export type SelfCheck =
  | { runtime: string; images: number; maxDelta: number; agreement: number; tolerance?: number }
  | { skipped: string };

/** What the file is checked against: pixels and the TF.js model's outputs on them. */
export interface CheckReference {
  pixels: Uint8Array;
  count: number;
  outputs: Float32Array;
  /** Size of the last output axis: top-1 is taken along it (a class per image, or per pixel for dense outputs). */
  classes: number;
}

/** Seeded random pixels, for models with no images at hand. */
export function randomPixels(count: number, inputShape: number[], key = 'self-check'): Uint8Array {
  const random = seededRandom(key);
  const pixels = new Uint8Array(count * inputShape.slice(1).reduce((a, b) => a * b, 1));
  for (let i = 0; i < pixels.length; i++) pixels[i] = random.int(0, 255);
  return pixels;
}

/** What the reference is computed with: a TF.js layers model, or a graph model's TF.js model. */
export interface ReferenceModel {
  inputs: { shape?: readonly (number | null)[] }[];
  predict(input: tf.Tensor): tf.Tensor | tf.Tensor[];
}

/** The TF.js model's outputs on `pixels` (normalised as the model expects), on the active backend. */
export async function referenceOutputs(model: ReferenceModel, pixels: Uint8Array, count: number, normalization: Normalization): Promise<CheckReference> {
  const shape = model.inputs[0]!.shape!.slice(1) as number[];
  const output = tf.tidy(() => {
    const input = tf.tensor(pixels, [count, ...shape], 'int32').toFloat().mul(normalization.scale).add(normalization.offset);
    return model.predict(input) as tf.Tensor;
  });
  const outputs = (await output.data()) as Float32Array;
  const classes = output.shape.at(-1) ?? 1;
  output.dispose();
  return { pixels, count, outputs: Float32Array.from(outputs), classes };
}

/** max |a − b| and the share of rows (along the last axis) whose arg-max agrees. */
export function agreement(expected: Float32Array, actual: Float32Array, classes: number): { maxDelta: number; agreement: number } {
  if (expected.length !== actual.length) throw new Error(`output sizes differ: ${expected.length} (TF.js) and ${actual.length} (TFLite)`);
  let maxDelta = 0;
  for (let i = 0; i < expected.length; i++) {
    const delta = Math.abs(expected[i]! - actual[i]!);
    // NaN counts as a total disagreement.
    maxDelta = Number.isNaN(delta) ? Infinity : Math.max(maxDelta, delta);
  }
  const rows = expected.length / classes;
  let agree = 0;
  for (let row = 0; row < rows; row++) {
    let a = 0;
    let b = 0;
    for (let c = 1; c < classes; c++) {
      if (expected[row * classes + c]! > expected[row * classes + a]!) a = c;
      if (actual[row * classes + c]! > actual[row * classes + b]!) b = c;
    }
    if (a === b) agree++;
  }
  return { maxDelta, agreement: rows > 0 ? agree / rows : 1 };
}

/** Runs the file on `runtime` over the reference images; a runtime that cannot open it is a skipped check. */
export async function checkFile(bytes: Uint8Array, reference: CheckReference, normalization: Normalization, runtime: CheckRuntime): Promise<SelfCheck> {
  let session: CheckSession;
  try {
    session = await runtime.open(bytes, normalization);
  } catch (error) {
    return { skipped: `${runtime.name} could not load it: ${(error as Error).message.split('\n')[0]}` };
  }
  try {
    const perImage = reference.pixels.length / reference.count;
    const outputs = new Float32Array(reference.outputs.length);
    const perOutput = reference.outputs.length / reference.count;
    for (let index = 0; index < reference.count; index++) {
      outputs.set(await session.run(reference.pixels.subarray(index * perImage, (index + 1) * perImage), 1), index * perOutput);
    }
    return { runtime: runtime.name, images: reference.count, ...agreement(reference.outputs, outputs, reference.classes) };
  } finally {
    await session.dispose();
  }
}

/** The float32 tolerance for these reference outputs (relative above magnitude 1). */
export function float32Tolerance(reference: CheckReference): number {
  let magnitude = 0;
  for (const value of reference.outputs) magnitude = Math.max(magnitude, Math.abs(value));
  return SELF_CHECK_FLOAT32_TOLERANCE * Math.max(1, magnitude);
}

/** A float32 file that does not compute what the TF.js model computes. */
export class SelfCheckError extends UserError {
  override name = 'SelfCheckError';
  constructor(model: string, check: { runtime: string; maxDelta: number; images: number }, tolerance: number) {
    super(
      `${model}: the float32 file differs from the TF.js model by up to ${check.maxDelta.toExponential(2)} on ${check.images} images on ${check.runtime} (allowed ${tolerance.toExponential(1)}): the converter would compute another function, so no file was written; please report it with the model`,
      'CONVERT_SELF_CHECK',
    );
  }
}
