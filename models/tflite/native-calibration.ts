/**
 * int8 calibration on the host's native TFLite (tflite-node with XNNPACK),
 * the engine the bottlenecks already run on: the optimised float graph is
 * written as a float32 .tflite whose outputs are every activation tensor, run
 * image by image, and each output's [min, max] read; the bias correction
 * observes the weighted ops' inputs of the first images as on TF.js. On
 * InceptionV3 that is the conversion's longest step on TF.js wasm.
 *
 * Kept honest like the bottlenecks: the first image is calibrated on TF.js
 * too, and ranges that differ past RANGE_TOLERANCE (or a runner that fails to
 * open) mean TF.js calibrates all of it, with one line saying why.
 */
import { firstLine } from '../../harness/core/format.ts';
import { BiasCorrector } from './bias-correction.ts';
import { elementCount, type IrGraph } from './graph.ts';
import { BIAS_CORRECTION_IMAGES, calibrate, type CalibrateOptions, type Calibration } from './int8-calibration.ts';
import type { Range } from './quantize.ts';
import type { TfliteRunner } from './runner.ts';
import { assignVersions } from './versions.ts';
import { writeTflite } from './writer.ts';

/** Largest |native − TF.js| allowed on a range end, relative to the largest |range end| of the tensor. */
export const RANGE_TOLERANCE = 1e-3;

export interface NativeCalibrateOptions extends CalibrateOptions {
  runner: TfliteRunner;
  /** One line: where calibration ran, or why it fell back to TF.js. */
  say?: (line: string) => void;
}

/**
 * The float graph with every activation tensor as an output (the input is
 * read from the images themselves), written as a float32 .tflite. The ops
 * are copied: the prepared graph's are left as they were.
 */
export function everyTensorModel(graph: IrGraph): { bytes: Uint8Array; outputs: number[] } {
  const outputs = [...new Set(graph.ops.map((op) => op.outputs[0]!))];
  const copy: IrGraph = { ...graph, ops: graph.ops.map((op) => ({ ...op })), outputs };
  assignVersions(copy);
  const bytes = writeTflite(copy, {
    description: 'edgebench calibration model: every activation tensor is an output',
    signature: { key: 'calibration', inputs: copy.inputs.map((tensor) => ({ name: copy.tensors[tensor]!.name, tensor })), outputs: outputs.map((tensor) => ({ name: copy.tensors[tensor]!.name, tensor })) },
  });
  return { bytes, outputs };
}

function extremes(values: Float32Array): Range {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index]!;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return [min, max];
}

/** The tensors whose ranges differ past the tolerance, named; empty when they agree. */
export function rangeDifferences(graph: IrGraph, native: Map<number, Range>, reference: Map<number, Range>): string[] {
  const differ: string[] = [];
  for (const [index, [min, max]] of reference) {
    const got = native.get(index);
    const scale = Math.max(Math.abs(min), Math.abs(max), 1e-6);
    if (!got || Math.abs(got[0] - min) > RANGE_TOLERANCE * scale || Math.abs(got[1] - max) > RANGE_TOLERANCE * scale) {
      differ.push(`${graph.tensors[index]!.name} [${got?.join(', ') ?? 'missing'}] vs TF.js [${min}, ${max}]`);
    }
  }
  return differ;
}

/** Ranges and bias correction of the float graph over the images, on the native runner. */
async function calibrateOnRunner(graph: IrGraph, options: NativeCalibrateOptions): Promise<Calibration> {
  const perImage = elementCount(graph.tensors[graph.inputs[0]!]!.shape);
  const { bytes, outputs } = everyTensorModel(graph);
  // One interpreter of one thread in this process: no copy of every tensor between processes, and in
  // `bench all` the other core makes the agreement reference meanwhile.
  const session = await options.runner.open(bytes, { batchSize: 1, threads: 1, instances: 1 });
  const corrector = options.biasCorrection === false ? undefined : new BiasCorrector(graph);
  const observed = outputs.map((index) => corrector?.reads(index) ?? false);
  const inputIndex = graph.inputs[0]!;
  const ranges = new Map<number, Range>();
  const widen = (index: number, [min, max]: Range) => {
    const seen = ranges.get(index);
    ranges.set(index, seen ? [Math.min(seen[0], min), Math.max(seen[1], max)] : [min, max]);
  };
  try {
    for (let image = 0; image < options.count; image += 1) {
      const input = options.images.subarray(image * perImage, (image + 1) * perImage);
      widen(inputIndex, extremes(input));
      const values = await session.run(input);
      if (values.length !== outputs.length) throw new Error(`${options.runner.name} gave ${values.length} outputs, expected ${outputs.length}`);
      const observe = corrector && image < BIAS_CORRECTION_IMAGES;
      if (observe && corrector.reads(inputIndex)) corrector.observeValues(inputIndex, input, graph.tensors[inputIndex]!.shape);
      outputs.forEach((index, position) => {
        const data = values[position]!;
        widen(index, extremes(data));
        if (observe && observed[position]) corrector.observeValues(index, data, graph.tensors[index]!.shape);
      });
      options.onProgress?.(image + 1);
      // Let a progress bar and signals breathe between images.
      if (image % 4 === 3) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    session.dispose();
  }
  return { ranges, biasCorrection: corrector?.result() ?? new Map() };
}

/**
 * int8 calibration on the native runner, checked against TF.js on the first
 * image; TF.js (./int8-calibration.ts) when the runner cannot open the model
 * or disagrees.
 */
export async function calibrateNative(graph: IrGraph, options: NativeCalibrateOptions): Promise<Calibration> {
  const perImage = elementCount(graph.tensors[graph.inputs[0]!]!.shape);
  const onTfjs = (why: string) => {
    options.say?.(`int8 calibration on TF.js: ${why}`);
    return calibrate(graph, options);
  };
  let first: Calibration;
  try {
    // The first image's ranges only, on both engines: their bias corrections would be thrown away.
    first = await calibrateOnRunner(graph, { ...options, images: options.images.subarray(0, perImage), count: 1, onProgress: () => {}, biasCorrection: false });
  } catch (error) {
    return onTfjs(`${options.runner.name} could not run the calibration model (${firstLine(error)})`);
  }
  const reference = await calibrate(graph, { images: options.images.subarray(0, perImage), count: 1, biasCorrection: false });
  const differ = rangeDifferences(graph, first.ranges, reference.ranges);
  if (differ.length) return onTfjs(`${options.runner.name}'s ranges differ from TF.js's on the first image (${differ.length} tensors, e.g. ${differ[0]})`);
  options.say?.(`int8 calibration on ${options.runner.name} (${options.count} images; its ranges on the first image match TF.js's)`);
  return calibrateOnRunner(graph, options);
}
