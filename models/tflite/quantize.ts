/**
 * The quantizers, each a pure function from the optimised float graph to a
 * new graph (constant arrays of the input graph are never written to):
 * - float16: weights stored as FLOAT16, DEQUANTIZE'd to float32 in the graph (biases stay float32);
 * - dynamic range: int8 weights (symmetric; per-channel for convolutions), float activations;
 * - full integer (./full-integer.ts, which shares the weight and activation
 *   parameters here): int8 activations from calibrated ranges, int8 weights,
 *   int32 biases, with float or uint8 inputs and outputs.
 */
import { addTensor, type IrGraph, type IrOp, type IrTensor } from './graph.ts';
import { WEIGHTED_INPUTS } from './kernels.ts';
import type { OpName } from './schema.ts';

export type Range = [min: number, max: number];

/** Copies the graph's structure; constant arrays are shared (quantizers replace, never mutate, them). */
export function cloneGraph(graph: IrGraph): IrGraph {
  return {
    tensors: graph.tensors.map((tensor) => ({ ...tensor, shape: [...tensor.shape], ...(tensor.quantization ? { quantization: { ...tensor.quantization } } : {}) })),
    ops: graph.ops.map((op) => ({ ...op, inputs: [...op.inputs], outputs: [...op.outputs], options: { ...op.options } })),
    inputs: [...graph.inputs],
    outputs: [...graph.outputs],
  };
}

// ---------------------------------------------------------------- float16

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits of a float, rounding to nearest even. */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 112;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    let half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function toFloat16(graph: IrGraph): IrGraph {
  const out = cloneGraph(graph);
  const dequantizeOps: IrOp[] = [];
  out.tensors.forEach((tensor, index) => {
    if (!(tensor.data instanceof Float32Array)) return;
    // Biases (and other per-channel vectors) stay float32: under 1% of the bytes, and rounding a
    // folded batch-norm bias to 11 bits costs more accuracy than rounding the weights it follows.
    if (tensor.shape.length <= 1) return;
    const half = new Uint16Array(tensor.data.length);
    for (let i = 0; i < half.length; i++) half[i] = toHalfBits(tensor.data[i]!);
    const stored = addTensor(out, { name: `${tensor.name}/float16`, shape: tensor.shape, dtype: 'float16', data: half });
    // The float32 tensor stays under its name, now computed by DEQUANTIZE.
    delete tensor.data;
    dequantizeOps.push({ op: 'DEQUANTIZE', inputs: [stored], outputs: [index], options: { kind: 'none' }, version: 1 });
  });
  // Dequantize first, as TFLite's own converter orders them: every reader comes later.
  out.ops.unshift(...dequantizeOps);
  return out;
}

// ---------------------------------------------------------------- int8 weights

/** Symmetric int8 in [-127, 127], one scale per channel; `channelOf(i)` maps a flat index to its channel. */
export function quantizeSymmetric(values: Float32Array, channels: number, channelOf: (index: number) => number): { data: Int8Array; scale: number[] } {
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = channelOf(i);
    const magnitude = Math.abs(values[i]!);
    if (magnitude > maxAbs[c]!) maxAbs[c] = magnitude;
  }
  // An all-zero channel gets scale 1: any scale represents zeros exactly.
  const scale = Array.from(maxAbs, (max) => (max > 0 ? max / 127 : 1));
  const data = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = Math.round(values[i]! / scale[channelOf(i)]!);
    data[i] = Math.max(-127, Math.min(127, q));
  }
  return { data, scale: scale.map((s) => Math.fround(s)) };
}

/**
 * How a weighted op's filter is quantized: symmetric int8 with one scale per
 * output channel for convolutions (axis 3 of a depthwise filter, 0 otherwise),
 * one scale for FULLY_CONNECTED (TFLite 2.9's int8 and hybrid kernels take one).
 */
export function quantizedFilter(op: IrOp, filter: IrTensor): { data: Int8Array; scale: number[]; dimension: number; channelOf: (index: number) => number } {
  const values = filter.data as Float32Array;
  let channels = 1;
  let channelOf: (index: number) => number = () => 0;
  let dimension = 0;
  if (op.op === 'DEPTHWISE_CONV_2D') {
    channels = filter.shape[3]!;
    channelOf = (index) => index % channels;
    dimension = 3;
  } else if (op.op !== 'FULLY_CONNECTED') {
    channels = filter.shape[0]!;
    const per = values.length / channels;
    channelOf = (index) => Math.floor(index / per);
  }
  return { ...quantizeSymmetric(values, channels, channelOf), dimension, channelOf };
}

/** Quantizes a weighted op's filter: replaces its tensor in `graph`'s tensor list (never the tensor object itself); returns the filter's scales. */
export function quantizeFilter(graph: IrGraph, op: IrOp): number[] {
  const filterId = op.inputs[WEIGHTED_INPUTS[op.op]!.filter]!;
  const filter = graph.tensors[filterId]!;
  const { data, scale, dimension } = quantizedFilter(op, filter);
  graph.tensors[filterId] = { ...filter, dtype: 'int8', data, quantization: { scale, zeroPoint: scale.map(() => 0), dimension } };
  return scale;
}

/**
 * Bias correction: per output channel, the mean error that the int8 filter adds
 * to a weighted op's output over the calibration images (int8-calibration.ts), by bias
 * tensor. Subtracted from the float bias before it is stored, so that the
 * rounding of the weights does not shift the op's output on average.
 */
export type BiasCorrection = Map<number, Float32Array>;

/** The op's float bias with the correction applied (a new array: the input graph's arrays are never written). */
export function correctedBias(graph: IrGraph, op: IrOp, correction: BiasCorrection | undefined): Float32Array | undefined {
  const biasId = op.inputs[WEIGHTED_INPUTS[op.op]!.bias];
  if (biasId === undefined || biasId < 0) return undefined;
  const bias = graph.tensors[biasId]!.data as Float32Array;
  const shift = correction?.get(biasId);
  return shift ? Float32Array.from(bias, (value, c) => value - shift[c]!) : bias;
}

const DYNAMIC_RANGE: OpName[] = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'];

/**
 * Dynamic range: int8 weights for CONV_2D and DEPTHWISE_CONV_2D (per output
 * channel) and FULLY_CONNECTED (per tensor: TFLite 2.9's hybrid kernel takes
 * one scale, and is told to quantize its inputs asymmetrically); the runtime
 * quantizes activations on the fly. Biases stay float, bias-corrected when a
 * correction is given (calibration images at hand).
 */
export function quantizeDynamicRange(graph: IrGraph, correction?: BiasCorrection): IrGraph {
  const out = cloneGraph(graph);
  for (const op of out.ops) {
    if (!DYNAMIC_RANGE.includes(op.op)) continue;
    if (!(out.tensors[op.inputs[1]!]!.data instanceof Float32Array)) continue;
    const bias = correctedBias(out, op, correction);
    const biasId = op.inputs[WEIGHTED_INPUTS[op.op]!.bias]!;
    if (bias) out.tensors[biasId] = { ...out.tensors[biasId]!, data: bias };
    quantizeFilter(out, op);
    // Per-batch asymmetric activation quantization: a closer fit to post-ReLU features than symmetric.
    if (op.options.kind === 'fullyConnected') op.options.asymmetricQuantizeInputs = true;
  }
  return out;
}

// ---------------------------------------------------------------- int8 activations

/** Asymmetric int8 parameters covering [min, max] (widened to include 0, so zero is exact). */
export function activationParams([min, max]: Range): { scale: number; zeroPoint: number } {
  const low = Math.min(min, 0);
  const high = Math.max(max, 0);
  const scale = high > low ? (high - low) / 255 : 1;
  const zeroPoint = Math.max(-128, Math.min(127, Math.round(-128 - low / scale)));
  return { scale: Math.fround(scale), zeroPoint };
}
