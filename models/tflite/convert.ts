/**
 * One TF.js model (layers, or graph through its GraphDef) to one .tflite variant: lower, optimise, quantize, version
 * the ops, attach metadata and the signature, write. The float graph can be
 * prepared once and emitted in every variant (convertArtifacts does).
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../harness/core/errors.ts';
import type { ArtifactVariant } from '../../harness/core/record.ts';
import type { Normalization } from '../../harness/core/metadata.ts';
import { calibrate, type Calibration } from './int8-calibration.ts';
import { calibrateNative } from './native-calibration.ts';
import type { TfliteRunner } from './runner.ts';
import { elementCount, type IrGraph } from './graph.ts';
import { lowerLayersModel } from './lower.ts';
import { lowerGraphDef } from './lower-graph.ts';
import { GraphModelToConvert, type ModelToConvert } from './load.ts';
import { optimize } from './passes.ts';
import { quantizeFullInteger } from './full-integer.ts';
import { activationParams, quantizeDynamicRange, toFloat16 } from './quantize.ts';
import { assignVersions } from './versions.ts';
import { checkFile, checkFloat32, referenceOutputs, type CheckReference, type CheckRuntime, type SelfCheck } from './self-check.ts';
import { writeTflite, type MetadataEntry } from './writer.ts';

export type Variant = ArtifactVariant;
export const VARIANTS: readonly Variant[] = ['float32', 'float16', 'int8-dynamic', 'int8'];

/** Bumped when the converter's output for the same model and options changes (invalidates reuse). */
export const CONVERTER_VERSION = 4;

/** Name of the JSON metadata entry in every file we write. */
export const METADATA_NAME = 'edgebench';
export const LABELS_NAME = 'labels.txt';
export const INPUT_NAME = 'image';
export const OUTPUT_NAME = 'probabilities';
export const SIGNATURE_KEY = 'serving_default';

export interface ConvertOptions {
  variant: Variant;
  classNames?: string[];
  /** Input normalisation (value = pixel × scale + offset), recorded in the metadata; sets the int8 input range. */
  normalization?: Normalization;
  /** Normalised calibration inputs, N × H × W × 3: int8's ranges, and both int8 variants' bias correction. */
  calibration?: Float32Array;
  /** Input/output type of full-integer models (default float). */
  io?: 'float' | 'uint8';
  /** Recorded in the metadata (e.g. the source model's sha256), for reuse checks. */
  source?: Record<string, unknown>;
  /** Calibration progress, images done of total. */
  onCalibration?: (done: number, total: number) => void;
  /** The host's native TFLite: int8 calibration runs there (checked against TF.js), else on TF.js. */
  calibrationRunner?: TfliteRunner;
  /** Where calibration ran, or why not on the runner: one line. */
  onCalibrationEngine?: (line: string) => void;
}

/** What the `edgebench` metadata entry holds. */
export interface TfliteMetadata {
  schema: 1;
  converter: { name: 'edgebench'; version: number };
  variant: Variant;
  io: 'float' | 'uint8';
  input: { name: string; shape: number[]; type: string; normalization?: Normalization };
  output: { name: string; shape: number[]; type: string };
  classNames?: string[];
  source?: Record<string, unknown>;
}

export interface PreparedModel {
  /** The optimised float32 graph (never mutated by the quantizers). */
  graph: IrGraph;
  inputShape: number[];
  /** The last calibration, kept for the other int8 variant. */
  calibration?: { images: Float32Array; result: Calibration };
}

export function prepareModel(model: ModelToConvert): PreparedModel {
  const { graph, inputShape } = model instanceof GraphModelToConvert ? lowerGraphDef(model.graphDef, model.name) : lowerLayersModel(model);
  return { graph: optimize(graph), inputShape };
}

/** int8 parameters of the model input: exact for uint8 pixels when -offset/scale is an integer. */
function inputParams(options: ConvertOptions, calibrated: [number, number] | undefined): { scale: number; zeroPoint: number } {
  const io = options.io ?? 'float';
  const normalization = options.normalization;
  if (io === 'uint8') {
    if (!normalization) throw new UserError('uint8 model inputs need the input normalisation (metadata.json beside the model)', 'CONVERT_NO_NORMALIZATION');
    const zeroPoint = Math.round(-normalization.offset / normalization.scale) - 128;
    return { scale: Math.fround(normalization.scale), zeroPoint: Math.max(-128, Math.min(127, zeroPoint)) };
  }
  if (normalization) return activationParams([normalization.offset, 255 * normalization.scale + normalization.offset]);
  if (!calibrated) throw new Error('no input range: neither a normalisation nor a calibrated range');
  return activationParams(calibrated);
}

/** The calibration of the prepared graph on these images, run once for both int8 variants. */
async function calibrationOf(prepared: PreparedModel, options: ConvertOptions): Promise<Calibration> {
  const images = options.calibration!;
  if (prepared.calibration?.images === images) return prepared.calibration.result;
  const count = Math.floor(images.length / elementCount(prepared.inputShape));
  const progress = { images, count, onProgress: (done: number) => options.onCalibration?.(done, count) };
  const result = options.calibrationRunner
    ? await calibrateNative(prepared.graph, { ...progress, runner: options.calibrationRunner, ...(options.onCalibrationEngine ? { say: options.onCalibrationEngine } : {}) })
    : await calibrate(prepared.graph, progress);
  prepared.calibration = { images, result };
  return result;
}

/** The variant's graph, quantized and versioned, before it is written (prefix models cut it: ./prefix.ts). */
export async function variantGraph(prepared: PreparedModel, options: ConvertOptions): Promise<IrGraph> {
  const io = options.variant === 'int8' ? (options.io ?? 'float') : 'float';
  let graph: IrGraph;
  switch (options.variant) {
    case 'float32':
      graph = prepared.graph;
      break;
    case 'float16':
      graph = toFloat16(prepared.graph);
      break;
    case 'int8-dynamic': {
      // Data-free like TFLite's dynamic-range quantization, bias-corrected when calibration images are at hand.
      const calibration = options.calibration?.length ? await calibrationOf(prepared, options) : undefined;
      graph = quantizeDynamicRange(prepared.graph, calibration?.biasCorrection);
      break;
    }
    case 'int8': {
      if (!options.calibration || options.calibration.length === 0) {
        throw new UserError('the int8 variant needs calibration images (the training split of the dataset)', 'CONVERT_NO_CALIBRATION');
      }
      const { ranges, biasCorrection } = await calibrationOf(prepared, options);
      graph = quantizeFullInteger(prepared.graph, { ranges, io, input: inputParams(options, ranges.get(prepared.graph.inputs[0]!)), biasCorrection });
      break;
    }
    default:
      throw new UserError(`unknown variant "${String(options.variant)}"; use one of ${VARIANTS.join(', ')}`, 'CONVERT_VARIANT');
  }
  assignVersions(graph);
  return graph;
}

export async function emitVariant(prepared: PreparedModel, options: ConvertOptions): Promise<Uint8Array> {
  const io = options.variant === 'int8' ? (options.io ?? 'float') : 'float';
  const graph = await variantGraph(prepared, options);

  const input = graph.tensors[graph.inputs[0]!]!;
  const output = graph.tensors[graph.outputs[0]!]!;
  const metadata: TfliteMetadata = {
    schema: 1,
    converter: { name: 'edgebench', version: CONVERTER_VERSION },
    variant: options.variant,
    io,
    input: { name: input.name, shape: input.shape, type: input.dtype, ...(options.normalization ? { normalization: options.normalization } : {}) },
    output: { name: output.name, shape: output.shape, type: output.dtype },
    ...(options.classNames ? { classNames: options.classNames } : {}),
    ...(options.source ? { source: options.source } : {}),
  };
  const encoder = new TextEncoder();
  const entries: MetadataEntry[] = [{ name: METADATA_NAME, data: encoder.encode(JSON.stringify(metadata)) }];
  if (options.classNames) entries.push({ name: LABELS_NAME, data: encoder.encode(`${options.classNames.join('\n')}\n`) });
  return writeTflite(graph, {
    description: `edgebench TypeScript converter v${CONVERTER_VERSION} (${options.variant})`,
    metadata: entries,
    signature: {
      key: SIGNATURE_KEY,
      inputs: graph.inputs.map((tensor) => ({ name: graph.tensors[tensor]!.name, tensor })),
      outputs: graph.outputs.map((tensor) => ({ name: graph.tensors[tensor]!.name, tensor })),
    },
  });
}

/**
 * Converts a TF.js layers model to a .tflite file in one variant. Throws
 * UnsupportedLayerError (naming the layer and its class) for anything the
 * converter cannot express faithfully.
 */
export async function convertLayersModel(model: tf.LayersModel, options: ConvertOptions): Promise<Uint8Array> {
  return emitVariant(prepareModel(model), options);
}

export interface ConvertModelOptions extends Omit<ConvertOptions, 'variant' | 'calibration' | 'source'> {
  /** The TF.js model (layers, or graph with its GraphDef): lowered, and run for the self-check's reference (the caller disposes it). */
  model: ModelToConvert;
  /** Names the model in messages. */
  name: string;
  variants: Variant[];
  /** Normalised calibration inputs, asked for only when int8 is among the variants. */
  calibration?: () => Promise<Float32Array>;
  /** Recorded in each file's metadata. */
  source?: (variant: Variant) => Record<string, unknown>;
  /**
   * Check the files on a TFLite runtime on these images (raw pixels): the float32
   * file against the TF.js model (converted first, even when not asked for), every
   * other variant against the float32 file.
   */
  check?: { runtime: CheckRuntime; pixels: Uint8Array; count: number };
  /** After each variant. */
  onVariant?: (variant: Variant) => void;
}

export interface ConvertedVariant {
  variant: Variant;
  bytes: Uint8Array;
  /** Conversion wall time, without the self-check. */
  seconds: number;
  check?: SelfCheck;
}

/**
 * One model to every asked variant, in memory, each self-checked when a runtime
 * is given. The float32 file is converted and checked against the TF.js model
 * first: when it computes another function (SelfCheckError) no other variant is
 * even converted, so a wrong lowering ships in none. Nothing is returned (so
 * nothing written) unless every variant converted.
 */
export async function convertModel(options: ConvertModelOptions): Promise<ConvertedVariant[]> {
  const normalization = options.normalization ?? { scale: 1 / 255, offset: 0 };
  const prepared = prepareModel(options.model);
  let calibration: Float32Array | undefined;
  let calibrationAsked = false;
  const optionsOf = (variant: Variant): ConvertOptions => ({
    variant,
    normalization,
    ...(options.classNames ? { classNames: options.classNames } : {}),
    ...(options.io ? { io: options.io } : {}),
    ...(options.onCalibration ? { onCalibration: options.onCalibration } : {}),
    ...(options.calibrationRunner ? { calibrationRunner: options.calibrationRunner } : {}),
    ...(options.onCalibrationEngine ? { onCalibrationEngine: options.onCalibrationEngine } : {}),
    ...(calibration ? { calibration } : {}),
    ...(options.source ? { source: options.source(variant) } : {}),
  });

  let float32: (ConvertedVariant & { basis: CheckReference }) | undefined;
  if (options.check) {
    const { runtime, pixels, count } = options.check;
    const reference = await referenceOutputs(options.model, pixels, count, normalization);
    const started = performance.now();
    const bytes = await emitVariant(prepared, optionsOf('float32'));
    const seconds = (performance.now() - started) / 1000;
    const { check, basis } = await checkFloat32({ model: options.name, bytes, reference, normalization, runtime });
    float32 = { variant: 'float32', bytes, seconds, check, basis };
  }

  const results: ConvertedVariant[] = [];
  for (const variant of options.variants) {
    if (variant === 'float32' && float32) {
      results.push({ variant, bytes: float32.bytes, seconds: float32.seconds, check: float32.check });
      options.onVariant?.(variant);
      continue;
    }
    const started = performance.now();
    if ((variant === 'int8' || variant === 'int8-dynamic') && !calibrationAsked) {
      calibrationAsked = true;
      try {
        calibration = await options.calibration?.();
      } catch (error) {
        // int8 needs the images; int8-dynamic only uses them (bias correction) when there are some.
        if (options.variants.includes('int8') || !(error instanceof UserError)) throw error;
      }
    }
    const bytes = await emitVariant(prepared, optionsOf(variant));
    const seconds = (performance.now() - started) / 1000;
    const check = options.check && float32 ? await checkFile(bytes, float32.basis, normalization, options.check.runtime) : undefined;
    results.push({ variant, bytes, seconds, ...(check ? { check } : {}) });
    options.onVariant?.(variant);
  }
  return results;
}
