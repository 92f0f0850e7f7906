/**
 * Bias correction for int8 filters. Rounding a filter to int8 shifts the mean
 * of each output channel (most in depthwise filters of 9 weights); that mean
 * error over the calibration images is subtracted from the op's bias.
 *
 * Weighted ops are linear in their filter, so the mean error is the filter's
 * error applied to the mean of what each filter tap sees: for a convolution,
 * E[err_o] = Σ_{tap,i} ΔW[o,tap,i] · mean over output positions of x[pos + tap, i]
 * (padding zeros included), exact and far cheaper than running the convolution
 * again. Calibration (int8-calibration.ts) feeds each weighted op's float input in
 * batches (the native one, native-calibration.ts, image by image); the inputs are
 * summed over every image and the tap sums taken once at the end.
 * TRANSPOSE_CONV, whose taps do not line up that way, gets its error convolution
 * run outright on each batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { IrGraph, IrOp } from './graph.ts';
import { WEIGHTED_INPUTS } from './kernels.ts';
import { quantizedFilter, type BiasCorrection } from './quantize.ts';

interface Corrected {
  op: IrOp;
  /** The activation tensor the op reads. */
  input: number;
  bias: number;
  /** int8 filter − float filter, in the TFLite layout. */
  delta: Float32Array;
  /** TRANSPOSE_CONV: sums of its error convolution over images and positions (other ops' come from the summed input in result()). */
  sums?: Float64Array;
  /** Output positions observed (images × positions per image). */
  positions: number;
}

/** A read tensor's values summed over every image observed, in float64 ([H, W, C] or [C…]), and its shape. */
interface SummedInput {
  shape: number[];
  summed: Float64Array;
}

/** TFLite/TensorFlow SAME padding before the first row/column. */
function padBefore(input: number, output: number, stride: number, kernel: number, dilation: number): number {
  const total = Math.max((output - 1) * stride + (kernel - 1) * dilation + 1 - input, 0);
  return Math.floor(total / 2);
}

export class BiasCorrector {
  private readonly ops: Corrected[] = [];
  /**
   * Every read tensor summed over all images, in float64: the tap sums are linear in
   * it, so they are taken once in result() rather than after every batch (the
   * native calibration observes image by image; tap sums were most of its time).
   */
  private readonly inputs = new Map<number, SummedInput>();

  constructor(private readonly graph: IrGraph) {
    for (const op of graph.ops) {
      const slots = WEIGHTED_INPUTS[op.op];
      if (!slots) continue;
      const bias = op.inputs[slots.bias];
      const filter = graph.tensors[op.inputs[slots.filter]!]!;
      if (bias === undefined || bias < 0 || !(filter.data instanceof Float32Array)) continue;
      const values = filter.data;
      const { data, scale, channelOf } = quantizedFilter(op, filter);
      const delta = Float32Array.from(data, (q, i) => q * scale[channelOf(i)]! - values[i]!);
      this.ops.push({ op, input: op.inputs[slots.input]!, bias, delta, positions: 0 });
    }
  }

  /** Whether an op this corrects reads tensor `index` (only those tensors need observing). */
  reads(index: number): boolean {
    return this.ops.some((entry) => entry.input === index);
  }

  /** Accumulates the statistics of the ops reading tensor `index`, from one batch of its values. */
  observe(index: number, value: tf.Tensor): void {
    if (!this.reads(index)) return;
    this.observeValues(index, value.dataSync() as Float32Array, value.shape, value);
  }

  /**
   * observe() on plain values (batch × …, `shape` with the batch first), as the
   * native calibration reads them: no TF.js tensor unless a TRANSPOSE_CONV reads it.
   */
  observeValues(index: number, data: Float32Array, shape: readonly number[], value?: tf.Tensor): void {
    const readers = this.ops.filter((entry) => entry.input === index);
    if (readers.length === 0) return;
    const batch = shape[0]!;
    const perImage = data.length / batch;
    for (const entry of readers) {
      const outputShape = this.graph.tensors[entry.op.outputs[0]!]!.shape;
      entry.positions += batch * outputShape.slice(1, -1).reduce((a, b) => a * b, 1);
      if (entry.op.op !== 'TRANSPOSE_CONV') continue;
      const sums = value ? this.transposeConvError(entry, value) : tf.tidy(() => this.transposeConvError(entry, tf.tensor(data, [...shape])));
      entry.sums ??= new Float64Array(sums.length);
      for (let i = 0; i < sums.length; i++) entry.sums[i]! += sums[i]!;
    }
    if (readers.every((entry) => entry.op.op === 'TRANSPOSE_CONV')) return;
    // Summed over every image, in float64, for every op reading this tensor.
    let input = this.inputs.get(index);
    if (!input) {
      input = { shape: [1, ...shape.slice(1)], summed: new Float64Array(perImage) };
      this.inputs.set(index, input);
    }
    const summed = input.summed;
    for (let n = 0; n < batch; n++) for (let i = 0; i < perImage; i++) summed[i]! += data[n * perImage + i]!;
  }

  /** The correction to subtract from each bias: the mean error per output channel. */
  result(): BiasCorrection {
    const correction: BiasCorrection = new Map();
    for (const entry of this.ops) {
      if (entry.positions === 0) continue;
      const input = this.inputs.get(entry.input);
      const sums = entry.op.op === 'TRANSPOSE_CONV' ? entry.sums : input && this.tapSums(entry, input.shape, input.summed);
      if (!sums) continue;
      const channels = this.graph.tensors[entry.bias]!.shape[0]!;
      const error = new Float64Array(channels);
      const { op, delta } = entry;
      if (op.op === 'TRANSPOSE_CONV') {
        // Sums of the error convolution's output itself.
        for (let o = 0; o < channels; o++) error[o] = sums[o]!;
      } else if (op.op === 'DEPTHWISE_CONV_2D' && op.options.kind === 'depthwise') {
        // delta [1, kh, kw, C·m]; sums [kh, kw, C].
        const multiplier = op.options.depthMultiplier;
        const taps = delta.length / channels;
        for (let t = 0; t < taps; t++) for (let c = 0; c < channels; c++) error[c]! += delta[t * channels + c]! * sums[t * (channels / multiplier) + Math.floor(c / multiplier)]!;
      } else {
        // CONV_2D delta [out, kh, kw, in], sums [kh, kw, in]; FULLY_CONNECTED delta [out, in], sums [in].
        const perChannel = delta.length / channels;
        for (let o = 0; o < channels; o++) for (let k = 0; k < perChannel; k++) error[o]! += delta[o * perChannel + k]! * sums[k]!;
      }
      correction.set(entry.bias, Float32Array.from(error, (value) => value / entry.positions));
    }
    return correction;
  }

  /**
   * For each filter tap and input channel, the sum over output positions of what the
   * tap reads (zero where it falls in the padding), from the batch-summed input
   * `summed` ([H, W, C], or [C…] for FULLY_CONNECTED: the sum over every position).
   */
  private tapSums(entry: Corrected, shape: readonly number[], summed: Float64Array): Float64Array {
    const { op } = entry;
    const options = op.options;
    const channels = shape.at(-1)!;
    if (op.op === 'FULLY_CONNECTED') {
      const sums = new Float64Array(channels);
      for (let i = 0; i < summed.length; i++) sums[i % channels]! += summed[i]!;
      return sums;
    }
    if (options.kind !== 'conv' && options.kind !== 'depthwise') throw new Error(`bias correction: unexpected ${op.op}`);
    const filter = this.graph.tensors[op.inputs[1]!]!;
    const [, kh, kw] = filter.shape as [number, number, number, number];
    const [, height, width] = shape as [number, number, number, number];
    const [, outH, outW] = this.graph.tensors[op.outputs[0]!]!.shape as [number, number, number, number];
    const same = options.padding === 'SAME';
    const top = same ? padBefore(height, outH, options.strideH, kh, options.dilationH) : 0;
    const left = same ? padBefore(width, outW, options.strideW, kw, options.dilationW) : 0;
    const sums = new Float64Array(kh * kw * channels);
    for (let ty = 0; ty < kh; ty++) {
      for (let tx = 0; tx < kw; tx++) {
        const base = (ty * kw + tx) * channels;
        for (let oy = 0; oy < outH; oy++) {
          const y = oy * options.strideH + ty * options.dilationH - top;
          if (y < 0 || y >= height) continue;
          for (let ox = 0; ox < outW; ox++) {
            const x = ox * options.strideW + tx * options.dilationW - left;
            if (x < 0 || x >= width) continue;
            const at = (y * width + x) * channels;
            for (let c = 0; c < channels; c++) sums[base + c]! += summed[at + c]!;
          }
        }
      }
    }
    return sums;
  }

  /** TRANSPOSE_CONV: the error convolution run outright, summed over the batch and positions. */
  private transposeConvError(entry: Corrected, x: tf.Tensor): Float32Array {
    const { op } = entry;
    const options = op.options;
    if (options.kind !== 'transposeConv') throw new Error(`bias correction: unexpected ${op.op}`);
    const filter = this.graph.tensors[op.inputs[1]!]!;
    const shape = Array.from(this.graph.tensors[op.inputs[0]!]!.data as Int32Array);
    const sums = tf.tidy(() => {
      const deltaFilter = tf.transpose(tf.tensor4d(entry.delta, filter.shape as [number, number, number, number]), [1, 2, 0, 3]);
      const outputShape: [number, number, number, number] = [x.shape[0]!, shape[1]!, shape[2]!, shape[3]!];
      const error = tf.conv2dTranspose(x as tf.Tensor4D, deltaFilter, outputShape, [options.strideH, options.strideW], options.padding === 'SAME' ? 'same' : 'valid');
      return tf.sum(error, [0, 1, 2]);
    });
    const values = sums.dataSync() as Float32Array;
    sums.dispose();
    return values;
  }
}
