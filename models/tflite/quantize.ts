/**
 * The three quantizers, each a pure function from the optimised float graph
 * to a new graph (constant arrays of the input graph are never written to):
 * - float16: weights stored as FLOAT16, DEQUANTIZE'd to float32 in the graph (biases stay float32);
 * - dynamic range: int8 weights (symmetric; per-channel for convolutions), float activations;
 * - full integer: int8 activations from calibrated ranges, int8 weights, int32 biases,
 *   with float (QUANTIZE/DEQUANTIZE at the edges) or uint8 inputs and outputs.
 */
import { addOp, addTensor, type IrGraph, type IrOp, type IrTensor, type Quantization } from './graph.ts';
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

/** Quantizes a weighted op's filter in place in `graph` (a clone); returns the filter's per-channel scales. */
function quantizeFilter(graph: IrGraph, op: IrOp, perChannel: boolean): number[] {
  const filterId = op.inputs[1]!;
  const filter = graph.tensors[filterId]!;
  const values = filter.data as Float32Array;
  let channels = 1;
  let channelOf: (index: number) => number = () => 0;
  let dimension = 0;
  if (perChannel && op.op === 'DEPTHWISE_CONV_2D') {
    channels = filter.shape[3]!;
    channelOf = (index) => index % channels;
    dimension = 3;
  } else if (perChannel) {
    channels = filter.shape[0]!;
    const per = values.length / channels;
    channelOf = (index) => Math.floor(index / per);
  }
  const { data, scale } = quantizeSymmetric(values, channels, channelOf);
  graph.tensors[filterId] = { ...filter, dtype: 'int8', data, quantization: { scale, zeroPoint: scale.map(() => 0), dimension } };
  return scale;
}

const WEIGHTED: OpName[] = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'];

/**
 * Dynamic range: int8 weights for CONV_2D and DEPTHWISE_CONV_2D (per output
 * channel) and FULLY_CONNECTED (per tensor: TFLite 2.9's hybrid kernel takes
 * one scale, and is told to quantize its inputs asymmetrically); the runtime
 * quantizes activations on the fly.
 */
export function quantizeDynamicRange(graph: IrGraph): IrGraph {
  const out = cloneGraph(graph);
  for (const op of out.ops) {
    if (!WEIGHTED.includes(op.op)) continue;
    if (!(out.tensors[op.inputs[1]!]!.data instanceof Float32Array)) continue;
    quantizeFilter(out, op, op.op !== 'FULLY_CONNECTED');
    // Per-batch asymmetric activation quantization: a closer fit to post-ReLU features than symmetric.
    if (op.options.kind === 'fullyConnected') op.options.asymmetricQuantizeInputs = true;
  }
  return out;
}

// ---------------------------------------------------------------- full integer

/** Asymmetric int8 parameters covering [min, max] (widened to include 0, so zero is exact). */
export function activationParams([min, max]: Range): { scale: number; zeroPoint: number } {
  const low = Math.min(min, 0);
  const high = Math.max(max, 0);
  const scale = high > low ? (high - low) / 255 : 1;
  const zeroPoint = Math.max(-128, Math.min(127, Math.round(-128 - low / scale)));
  return { scale: Math.fround(scale), zeroPoint };
}

function perTensor(params: { scale: number; zeroPoint: number }): Quantization {
  return { scale: [params.scale], zeroPoint: [params.zeroPoint] };
}

/** Ops whose int8 kernels need output parameters equal to their (first) input's. */
const SAME_RANGE: OpName[] = ['MAX_POOL_2D', 'AVERAGE_POOL_2D', 'PAD', 'RESHAPE', 'REDUCE_MAX'];
/** Output parameters the int8 kernels require. */
const FIXED_OUTPUT: Partial<Record<OpName, { scale: number; zeroPoint: number }>> = {
  SOFTMAX: { scale: 1 / 256, zeroPoint: -128 },
  LOGISTIC: { scale: 1 / 256, zeroPoint: -128 },
  TANH: { scale: 1 / 128, zeroPoint: 0 },
};

class UnionFind {
  private parent = new Map<number, number>();
  find(x: number): number {
    let root = x;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(x, root);
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

export interface FullIntegerOptions {
  /** Calibrated [min, max] of every float activation tensor, by tensor index of `graph`. */
  ranges: Map<number, Range>;
  io: 'float' | 'uint8';
  /** Parameters of the model input: from the normalisation, so that uint8 pixels map exactly. */
  input: { scale: number; zeroPoint: number };
}

export function quantizeFullInteger(graph: IrGraph, options: FullIntegerOptions): IrGraph {
  const out = cloneGraph(graph);
  const isActivation = (index: number) => out.tensors[index]!.dtype === 'float32' && !out.tensors[index]!.data;
  const activations = out.tensors.map((_, index) => index).filter(isActivation);

  // Tensors that must share parameters.
  const groups = new UnionFind();
  for (const op of out.ops) {
    if (op.op === 'CONCATENATION') for (const input of op.inputs) groups.union(op.outputs[0]!, input);
    if (SAME_RANGE.includes(op.op)) groups.union(op.outputs[0]!, op.inputs[0]!);
  }
  const fixed = new Map<number, { scale: number; zeroPoint: number }>();
  const inputId = out.inputs[0]!;
  fixed.set(groups.find(inputId), { scale: options.input.scale, zeroPoint: options.input.zeroPoint });
  for (const op of out.ops) {
    const params = FIXED_OUTPUT[op.op];
    if (params && !fixed.has(groups.find(op.outputs[0]!))) fixed.set(groups.find(op.outputs[0]!), params);
  }
  const groupRange = new Map<number, Range>();
  for (const index of activations) {
    const range = options.ranges.get(index);
    if (!range) throw new Error(`no calibrated range for tensor ${out.tensors[index]!.name}`);
    const root = groups.find(index);
    const seen = groupRange.get(root);
    groupRange.set(root, seen ? [Math.min(seen[0], range[0]), Math.max(seen[1], range[1])] : range);
  }
  for (const index of activations) {
    const root = groups.find(index);
    const params = fixed.get(root) ?? activationParams(groupRange.get(root)!);
    const range = options.ranges.get(index)!;
    out.tensors[index] = { ...out.tensors[index]!, dtype: 'int8', quantization: { ...perTensor(params), min: [range[0]], max: [range[1]] } };
  }

  // Weights, biases and other constants read by int8 ops.
  const scaleOf = (index: number) => out.tensors[index]!.quantization!.scale[0]!;
  for (const op of out.ops) {
    if (WEIGHTED.includes(op.op)) {
      const weightScales = quantizeFilter(out, op, op.op !== 'FULLY_CONNECTED');
      const inputScale = scaleOf(op.inputs[0]!);
      const biasId = op.inputs[2]!;
      const bias = out.tensors[biasId]!;
      const values = bias.data as Float32Array;
      const scale = Array.from(values, (_, c) => inputScale * weightScales[weightScales.length === 1 ? 0 : c]!);
      const data = Int32Array.from(values, (value, c) => Math.round(value / scale[c]!));
      out.tensors[biasId] = { ...bias, dtype: 'int32', data, quantization: { scale: scale.map(Math.fround), zeroPoint: scale.map(() => 0), dimension: 0 } };
      continue;
    }
    op.inputs.forEach((index, position) => {
      const tensor = out.tensors[index];
      if (!tensor || !(tensor.data instanceof Float32Array)) return;
      if (op.op === 'MEAN' || op.op === 'REDUCE_MAX' || op.op === 'PAD' || position === 0) return;
      let min = 0;
      let max = 0;
      for (const value of tensor.data) {
        if (value < min) min = value;
        if (value > max) max = value;
      }
      const params = activationParams([min, max]);
      const data = Int8Array.from(tensor.data, (value) => Math.max(-128, Math.min(127, Math.round(value / params.scale) + params.zeroPoint)));
      out.tensors[index] = { ...tensor, dtype: 'int8', data, quantization: perTensor(params) };
    });
  }

  // The edges: float or uint8 outside, int8 inside.
  const inner = out.tensors[inputId]!;
  const outerInput: IrTensor =
    options.io === 'uint8'
      ? { name: inner.name, shape: inner.shape, dtype: 'uint8', batched: true, quantization: perTensor({ scale: options.input.scale, zeroPoint: options.input.zeroPoint + 128 }) }
      : { name: inner.name, shape: inner.shape, dtype: 'float32', batched: true };
  inner.name = `${inner.name}_int8`;
  const outerInputId = addTensor(out, outerInput);
  const quantizeInput: IrOp = { op: 'QUANTIZE', inputs: [outerInputId], outputs: [inputId], options: { kind: 'none' }, version: 1 };
  out.ops.unshift(quantizeInput);
  out.inputs = [outerInputId];

  out.outputs = out.outputs.map((innerId) => {
    const tensor = out.tensors[innerId]!;
    const params = tensor.quantization!;
    const outer: IrTensor =
      options.io === 'uint8'
        ? { name: tensor.name, shape: tensor.shape, dtype: 'uint8', batched: true, quantization: { scale: params.scale, zeroPoint: params.zeroPoint.map((z) => z + 128) } }
        : { name: tensor.name, shape: tensor.shape, dtype: 'float32', batched: true };
    tensor.name = `${tensor.name}_int8`;
    const outerId = addTensor(out, outer);
    addOp(out, { op: options.io === 'uint8' ? 'QUANTIZE' : 'DEQUANTIZE', inputs: [innerId], outputs: [outerId], options: { kind: 'none' } });
    return outerId;
  });
  return out;
}
