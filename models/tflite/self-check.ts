/**
 * The self-check at the end of every conversion: the new files run on a TFLite
 * runtime (tfjs-tflite-node, passed in by the caller: models/ does not import
 * targets/) on a few images. The float32 file is checked against the TF.js model
 * it came from; every other variant against the float32 file's outputs on the
 * same images, so its figures are its own quantization error and a lowering that
 * computes another function is stopped before any variant is written. The
 * largest output difference and the top-1 agreement are reported per variant.
 * A float32 file outside SELF_CHECK_FLOAT32_TOLERANCE is an error.
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

/** What a file's outputs were compared with: the TF.js model, or the float32 file of the same conversion. */
export type CheckBasis = 'tfjs' | 'float32';

export type SelfCheck =
  | { runtime: string; images: number; maxDelta: number; agreement: number; against: CheckBasis; tolerance?: number }
  | { skipped: string };

/** What the file is checked against: pixels and the outputs of the TF.js model (or of the float32 file) on them. */
export interface CheckReference {
  pixels: Uint8Array;
  count: number;
  outputs: Float32Array;
  /** Size of the last output axis: top-1 is taken along it (a class per image, or per pixel for dense outputs). */
  classes: number;
  against: CheckBasis;
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
  return { pixels, count, outputs: Float32Array.from(outputs), classes, against: 'tfjs' };
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

/** The file's outputs on the reference images, one image at a time; a runtime that cannot open it: why. */
async function runFile(bytes: Uint8Array, reference: CheckReference, normalization: Normalization, runtime: CheckRuntime): Promise<Float32Array | { skipped: string }> {
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
      const output = await session.run(reference.pixels.subarray(index * perImage, (index + 1) * perImage), 1);
      if (output.length !== perOutput) throw new Error(`output sizes differ: ${perOutput} (reference) and ${output.length} (TFLite) per image`);
      outputs.set(output, index * perOutput);
    }
    return outputs;
  } finally {
    await session.dispose();
  }
}

/** Runs the file on `runtime` over the reference images; a runtime that cannot open it is a skipped check. */
export async function checkFile(bytes: Uint8Array, reference: CheckReference, normalization: Normalization, runtime: CheckRuntime): Promise<SelfCheck> {
  const outputs = await runFile(bytes, reference, normalization, runtime);
  if (!(outputs instanceof Float32Array)) return outputs;
  return { runtime: runtime.name, images: reference.count, against: reference.against, ...agreement(reference.outputs, outputs, reference.classes) };
}

/**
 * The float32 file checked against the TF.js reference, and what the other
 * variants are then checked against: the float32 file's own outputs on the same
 * images (the TF.js reference again when the runtime could not open the file).
 * Throws SelfCheckError when the float32 file computes another function.
 */
export async function checkFloat32(options: { model: string; bytes: Uint8Array; reference: CheckReference; normalization: Normalization; runtime: CheckRuntime }): Promise<{ check: SelfCheck; basis: CheckReference }> {
  const { reference } = options;
  const outputs = await runFile(options.bytes, reference, options.normalization, options.runtime);
  if (!(outputs instanceof Float32Array)) return { check: outputs, basis: reference };
  const tolerance = float32Tolerance(reference);
  const check = { runtime: options.runtime.name, images: reference.count, against: reference.against, tolerance, ...agreement(reference.outputs, outputs, reference.classes) };
  if (!(check.maxDelta <= tolerance)) throw new SelfCheckError(options.model, check, tolerance);
  return { check, basis: { ...reference, outputs, against: 'float32' } };
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
