/**
 * Calibration: runs the optimised float graph itself (not the Keras model)
 * on TF.js, so that every tensor the int8 graph will have, fused or not, gets
 * its [min, max] over the calibration images. Uses whichever TF.js backend is
 * active (wasm is the fast one available everywhere).
 */
import * as tf from '@tensorflow/tfjs';
import { consumers, type IrGraph, type IrOp } from './graph.ts';
import type { Range } from './quantize.ts';
import type { ActivationName } from './schema.ts';

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
      else if (op.op === 'DEPTHWISE_CONV_2D' && position === 1 && op.options.kind === 'depthwise') {
        const [, kh, kw, channels] = tensor.shape as [number, number, number, number];
        const multiplier = op.options.depthMultiplier;
        constants.set(index, tf.tidy(() => tf.reshape(asTensor(index), [kh, kw, channels / multiplier, multiplier])));
      } else constants.set(index, asTensor(index));
    });
  }
  return constants;
}

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
    case 'FULLY_CONNECTED':
      if (options.kind !== 'fullyConnected') break;
      return activate(tf.add(tf.dot(x, tf.transpose(w)), b), options.activation);
    case 'ADD':
      if (options.kind !== 'add') break;
      return activate(tf.add(x, w), options.activation);
    case 'MUL':
      if (options.kind !== 'mul') break;
      return activate(tf.mul(x, w), options.activation);
    case 'CONCATENATION':
      if (options.kind !== 'concatenation') break;
      return activate(tf.concat(inputs, options.axis), options.activation);
    case 'MAX_POOL_2D':
    case 'AVERAGE_POOL_2D': {
      if (options.kind !== 'pool') break;
      const pool = op.op === 'MAX_POOL_2D' ? tf.maxPool : tf.avgPool;
      return activate(pool(x as tf.Tensor4D, [options.filterH, options.filterW], [options.strideH, options.strideW], options.padding === 'SAME' ? 'same' : 'valid'), options.activation);
    }
    case 'PAD': {
      const pads = w.arraySync() as [number, number][];
      return tf.pad(x, pads);
    }
    case 'MEAN':
    case 'REDUCE_MAX': {
      if (options.kind !== 'reducer') break;
      const axes = Array.from(w.dataSync());
      return op.op === 'MEAN' ? tf.mean(x, axes, options.keepDims) : tf.max(x, axes, options.keepDims);
    }
    case 'RESHAPE':
      if (options.kind !== 'reshape') break;
      return tf.reshape(x, options.newShape);
    case 'SOFTMAX':
      if (options.kind !== 'softmax') break;
      return tf.softmax(options.beta === 1 ? x : tf.mul(x, options.beta));
    case 'LOGISTIC':
      return tf.sigmoid(x);
    case 'TANH':
    case 'RELU':
    case 'RELU6':
    case 'RELU_N1_TO_1':
      // Standalone activation ops compute what the same fused activation does.
      return activate(x, op.op);
    default:
      break;
  }
  throw new Error(`calibration cannot evaluate ${op.op} (layer ${op.layer ?? '?'})`);
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
    const result = tf.tidy(() => run(op, inputs));
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
}

/** [min, max] of every activation tensor of a float graph over the calibration images. */
export async function calibrate(graph: IrGraph, options: CalibrateOptions): Promise<Map<number, Range>> {
  const [, height, width, channels] = graph.tensors[graph.inputs[0]!]!.shape as [number, number, number, number];
  const perImage = height * width * channels;
  if (options.count < 1 || options.images.length < options.count * perImage) throw new Error(`calibration needs ${options.count} images of ${height}×${width}×${channels}; got ${options.images.length} values`);
  const batchSize = options.batchSize ?? 4;
  const constants = prepareConstants(graph);
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
  return ranges;
}
