/**
 * Calibration: runs the optimised float graph itself (not the Keras model)
 * on TF.js, so that every tensor the int8 graph will have, fused or not, gets
 * its [min, max] over the calibration images. Uses whichever TF.js backend is
 * active (wasm is the fast one available everywhere).
 */
import * as tf from '@tensorflow/tfjs';
import { consumers, type IrGraph, type IrOp } from './graph.ts';
import { BiasCorrector } from './bias-correction.ts';
import type { BiasCorrection, Range } from './quantize.ts';
import type { ActivationName } from './schema.ts';
import { firstLine } from '../../harness/core/format.ts';

function activate(x: tf.Tensor, activation: ActivationName): tf.Tensor {
  switch (activation) {
    case 'NONE':
      return x;
    case 'RELU':
      return tf.relu(x);
    case 'RELU6':
      return tf.clipByValue(x, 0, 6);
    case 'RELU_N1_TO_1':
      return tf.clipByValue(x, -1, 1);
    case 'TANH':
      return tf.tanh(x);
  }
}

/** Constant tensors in the layouts TF.js ops take, made once per graph. */
function prepareConstants(graph: IrGraph): Map<number, tf.Tensor> {
  const constants = new Map<number, tf.Tensor>();
  const asTensor = (index: number) => {
    const tensor = graph.tensors[index]!;
    return tf.tensor(tensor.data as Float32Array | Int32Array, tensor.shape, tensor.dtype === 'int32' ? 'int32' : 'float32');
  };
  for (const op of graph.ops) {
    op.inputs.forEach((index, position) => {
      const tensor = graph.tensors[index];
      if (!tensor?.data || constants.has(index)) return;
      if (op.op === 'CONV_2D' && position === 1) constants.set(index, tf.tidy(() => tf.transpose(asTensor(index), [1, 2, 3, 0])));
      // TFLite [out, kh, kw, in] → TF.js conv2dTranspose [kh, kw, out, in].
      else if (op.op === 'TRANSPOSE_CONV' && position === 1) constants.set(index, tf.tidy(() => tf.transpose(asTensor(index), [1, 2, 0, 3])));
      else if (op.op === 'DEPTHWISE_CONV_2D' && position === 1 && op.options.kind === 'depthwise') {
        const [, kh, kw, channels] = tensor.shape as [number, number, number, number];
        const multiplier = op.options.depthMultiplier;
        constants.set(index, tf.tidy(() => tf.reshape(asTensor(index), [kh, kw, channels / multiplier, multiplier])));
      } else constants.set(index, asTensor(index));
    });
  }
  return constants;
}

const ints = (tensor: tf.Tensor) => Array.from(tensor.dataSync());

/** FULLY_CONNECTED over the last axis of a tensor of any rank (keep_num_dims). */
function fullyConnected(x: tf.Tensor, weights: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const inner = x.shape.at(-1)!;
  const flat = tf.reshape(x, [-1, inner]) as tf.Tensor2D;
  const product = tf.add(tf.matMul(flat, weights as tf.Tensor2D, false, true), bias);
  return x.rank === 2 ? product : tf.reshape(product, [...x.shape.slice(0, -1), weights.shape[0]!]);
}

/** Computes one op of the float graph with TF.js, as TFLite's float kernel computes it. */
function run(op: IrOp, inputs: tf.Tensor[]): tf.Tensor {
  const [x, w, b] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor];
  const options = op.options;
  switch (op.op) {
    case 'CONV_2D':
      if (options.kind !== 'conv') break;
      return activate(
        tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, [options.strideH, options.strideW], options.padding === 'SAME' ? 'same' : 'valid', 'NHWC', [options.dilationH, options.dilationW]), b),
        options.activation,
      );
    case 'DEPTHWISE_CONV_2D':
      if (options.kind !== 'depthwise') break;
      return activate(
        tf.add(
          tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, [options.strideH, options.strideW], options.padding === 'SAME' ? 'same' : 'valid', 'NHWC', [options.dilationH, options.dilationW]),
          b,
        ),
        options.activation,
      );
    case 'TRANSPOSE_CONV': {
      if (options.kind !== 'transposeConv') break;
      const [shape, filter, input, bias] = inputs as [tf.Tensor, tf.Tensor4D, tf.Tensor4D, tf.Tensor | undefined];
      // The output shape constant has batch 1 (lower-conv.ts); calibration runs batches.
      const outputShape = [input.shape[0], ...ints(shape).slice(1)] as [number, number, number, number];
      const result = tf.conv2dTranspose(input, filter, outputShape, [options.strideH, options.strideW], options.padding === 'SAME' ? 'same' : 'valid');
      return bias ? tf.add(result, bias) : result;
    }
    case 'FULLY_CONNECTED':
      if (options.kind !== 'fullyConnected') break;
      return activate(fullyConnected(x, w, b), options.activation);
    case 'ADD':
      if (options.kind !== 'add') break;
      return activate(tf.add(x, w), options.activation);
    case 'MUL':
      if (options.kind !== 'mul') break;
      return activate(tf.mul(x, w), options.activation);
    case 'SUB':
      if (options.kind !== 'sub') break;
      return activate(tf.sub(x, w), options.activation);
    case 'DIV':
      if (options.kind !== 'div') break;
      return activate(tf.div(x, w), options.activation);
    case 'MAXIMUM':
      return tf.maximum(x, w);
    case 'MINIMUM':
      return tf.minimum(x, w);
    case 'CONCATENATION':
      if (options.kind !== 'concatenation') break;
      return activate(tf.concat(inputs, options.axis), options.activation);
    case 'MAX_POOL_2D':
    case 'AVERAGE_POOL_2D': {
      if (options.kind !== 'pool') break;
      const pool = op.op === 'MAX_POOL_2D' ? tf.maxPool : tf.avgPool;
      return activate(pool(x as tf.Tensor4D, [options.filterH, options.filterW], [options.strideH, options.strideW], options.padding === 'SAME' ? 'same' : 'valid'), options.activation);
    }
    case 'PAD':
      return tf.pad(x, w.arraySync() as [number, number][]);
    case 'MEAN':
    case 'REDUCE_MAX': {
      if (options.kind !== 'reducer') break;
      return op.op === 'MEAN' ? tf.mean(x, ints(w), options.keepDims) : tf.max(x, ints(w), options.keepDims);
    }
    case 'RESHAPE':
      if (options.kind !== 'reshape') break;
      return tf.reshape(x, options.newShape);
    case 'TRANSPOSE':
      return tf.transpose(x, ints(w));
    case 'SLICE':
      return tf.slice(x, ints(w), ints(b));
    case 'RESIZE_NEAREST_NEIGHBOR':
    case 'RESIZE_BILINEAR': {
      if (options.kind !== 'resize') break;
      const [height, width] = ints(w) as [number, number];
      const resize = op.op === 'RESIZE_BILINEAR' ? tf.image.resizeBilinear : tf.image.resizeNearestNeighbor;
      return resize(x as tf.Tensor4D, [height, width], options.alignCorners, options.halfPixelCenters);
    }
    case 'SOFTMAX':
      if (options.kind !== 'softmax') break;
      return tf.softmax(options.beta === 1 ? x : tf.mul(x, options.beta));
    case 'LOG_SOFTMAX':
      return tf.logSoftmax(x);
    case 'LOGISTIC':
      return tf.sigmoid(x);
    case 'ELU':
      return tf.elu(x);
    case 'LEAKY_RELU':
      if (options.kind !== 'leakyRelu') break;
      return tf.leakyRelu(x, options.alpha);
    case 'PRELU':
      return tf.prelu(x, w);
    case 'HARD_SWISH':
      return tf.div(tf.mul(x, tf.clipByValue(tf.add(x, 3), 0, 6)), 6);
    case 'GELU': {
      if (options.kind === 'gelu' && options.approximate) {
        const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
        return tf.mul(0.5, tf.mul(x, tf.add(1, tf.tanh(inner))));
      }
      return tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))));
    }
    case 'ABS':
      return tf.abs(x);
    case 'NEG':
      return tf.neg(x);
    case 'EXP':
      return tf.exp(x);
    case 'LOG':
      return tf.log(x);
    case 'TANH':
    case 'RELU':
    case 'RELU6':
    case 'RELU_N1_TO_1':
      // Standalone activation ops compute what the same fused activation does.
      return activate(x, op.op);
    default:
      break;
  }
  throw new Error(`no TF.js evaluation of ${op.op}`);
}

export interface EvaluateOptions {
  /** Called with each produced tensor (and the input); the tensor is disposed after. */
  onTensor?: (index: number, value: tf.Tensor) => void;
}

/**
 * Evaluates a float graph on a batch with TF.js; returns the graph outputs
 * (caller disposes). Intermediate tensors are freed as soon as their last
 * reader ran.
 */
export function evaluateGraph(graph: IrGraph, input: tf.Tensor, options: EvaluateOptions = {}, constants = prepareConstants(graph)): tf.Tensor[] {
  const readers = consumers(graph);
  const remaining = new Map<number, number>();
  for (const [index, list] of readers) remaining.set(index, list.length);
  const values = new Map<number, tf.Tensor>([[graph.inputs[0]!, input]]);
  options.onTensor?.(graph.inputs[0]!, input);
  const keep = new Set([...graph.outputs, graph.inputs[0]!]);
  for (const op of graph.ops) {
    const inputs = op.inputs.map((index) => {
      const value = values.get(index) ?? constants.get(index);
      if (!value) throw new Error(`tensor ${graph.tensors[index]!.name} is read before it is written`);
      return value;
    });
    let result: tf.Tensor;
    try {
      result = tf.tidy(() => run(op, inputs));
    } catch (error) {
      // Name the layer: a TF.js stack trace alone says nothing about which part of the model failed.
      throw new Error(`calibration failed at ${op.op} of layer "${op.layer ?? '?'}": ${firstLine(error)}`, { cause: error });
    }
    values.set(op.outputs[0]!, result);
    options.onTensor?.(op.outputs[0]!, result);
    for (const index of op.inputs) {
      const left = (remaining.get(index) ?? 1) - 1;
      remaining.set(index, left);
      if (left === 0 && !keep.has(index) && values.has(index)) {
        values.get(index)!.dispose();
        values.delete(index);
      }
    }
  }
  return graph.outputs.map((index) => values.get(index)!);
}

export interface CalibrateOptions {
  /** Normalised inputs, count × H × W × C float32. */
  images: Float32Array;
  count: number;
  batchSize?: number;
  /** Called after each batch with the number of images done. */
  onProgress?: (done: number) => void;
  /** False: ranges only, no bias correction (nothing to quantize each filter for; the result's is empty). */
  biasCorrection?: boolean;
}

export interface Calibration {
  /** [min, max] of every activation tensor. */
  ranges: Map<number, Range>;
  /** Mean output error of each weighted op's int8 filter, per output channel, by bias tensor. */
  biasCorrection: BiasCorrection;
}

/**
 * Images the bias correction is measured on (the first of the calibration images): a
 * mean over every output position of 32 images is steady, and measuring costs about as
 * much as calibrating.
 */
export const BIAS_CORRECTION_IMAGES = 32;

/**
 * Runs the float graph over the calibration images (TF.js, the active backend):
 * the [min, max] of every activation tensor (TFLite's own calibration: plain
 * min/max over the images), and each weighted op's bias correction (the mean
 * error its int8 filter adds, on the op's float input: bias-correction.ts).
 */
export async function calibrate(graph: IrGraph, options: CalibrateOptions): Promise<Calibration> {
  const [, height, width, channels] = graph.tensors[graph.inputs[0]!]!.shape as [number, number, number, number];
  const perImage = height * width * channels;
  if (options.count < 1 || options.images.length < options.count * perImage) throw new Error(`calibration needs ${options.count} images of ${height}×${width}×${channels}; got ${options.images.length} values`);
  const batchSize = options.batchSize ?? 4;
  const constants = prepareConstants(graph);
  const corrector = options.biasCorrection === false ? undefined : new BiasCorrector(graph);
  const ranges = new Map<number, Range>();
  try {
    for (let start = 0; start < options.count; start += batchSize) {
      const size = Math.min(batchSize, options.count - start);
      const input = tf.tensor4d(options.images.subarray(start * perImage, (start + size) * perImage), [size, height, width, channels]);
      const order: number[] = [];
      const extremes: tf.Tensor[] = [];
      const outputs = evaluateGraph(
        graph,
        input,
        {
          onTensor: (index, value) => {
            order.push(index);
            extremes.push(tf.tidy(() => tf.stack([tf.min(value), tf.max(value)])));
            if (corrector && start < BIAS_CORRECTION_IMAGES) corrector.observe(index, value);
          },
        },
        constants,
      );
      const flat = tf.concat(extremes);
      const data = await flat.data();
      tf.dispose([flat, ...extremes, ...outputs, input]);
      order.forEach((index, i) => {
        const min = data[2 * i]!;
        const max = data[2 * i + 1]!;
        const seen = ranges.get(index);
        ranges.set(index, seen ? [Math.min(seen[0], min), Math.max(seen[1], max)] : [min, max]);
      });
      options.onProgress?.(start + size);
      // Let a progress bar and signals breathe between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    tf.dispose([...constants.values()]);
  }
  return { ranges, biasCorrection: corrector?.result() ?? new Map() };
}
