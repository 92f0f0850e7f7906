/**
 * The three quantizers, each a pure function from the optimised float graph
 * to a new graph (constant arrays of the input graph are never written to):
 * - float16: weights stored as FLOAT16, DEQUANTIZE'd to float32 in the graph (biases stay float32);
 * - dynamic range: int8 weights (symmetric; per-channel for convolutions), float activations;
 * - full integer: int8 activations from calibrated ranges, int8 weights, int32 biases,
 *   with float (QUANTIZE/DEQUANTIZE at the edges) or uint8 inputs and outputs.
 */
import { addOp, addTensor, type IrGraph, type IrOp, type IrTensor, type Quantization } from './graph.ts';
import { INT8_KERNELS, WEIGHTED_INPUTS } from './kernels.ts';
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

/** Quantizes a weighted op's filter in `graph` (a clone); returns the filter's scales. */
function quantizeFilter(graph: IrGraph, op: IrOp): number[] {
  const filterId = op.inputs[WEIGHTED_INPUTS[op.op]!.filter]!;
  const filter = graph.tensors[filterId]!;
  const { data, scale, dimension } = quantizedFilter(op, filter);
  graph.tensors[filterId] = { ...filter, dtype: 'int8', data, quantization: { scale, zeroPoint: scale.map(() => 0), dimension } };
  return scale;
}

/**
 * Bias correction: per output channel, the mean error that the int8 filter adds
 * to a weighted op's output over the calibration images (calibrate.ts), by bias
 * tensor. Subtracted from the float bias before it is stored, so that the
 * rounding of the weights does not shift the op's output on average.
 */
export type BiasCorrection = Map<number, Float32Array>;

/** The op's float bias with the correction applied (a new array: the input graph's arrays are never written). */
function correctedBias(graph: IrGraph, op: IrOp, correction: BiasCorrection | undefined): Float32Array | undefined {
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

// ---------------------------------------------------------------- full integer

/** Asymmetric int8 parameters covering [min, max] (widened to include 0, so zero is exact). */
export function activationParams([min, max]: Range): { scale: number; zeroPoint: number } {
  const low = Math.min(min, 0);
  const high = Math.max(max, 0);
  const scale = high > low ? (high - low) / 255 : 1;
  const zeroPoint = Math.max(-128, Math.min(127, Math.round(-128 - low / scale)));
  return { scale: Math.fround(scale), zeroPoint };
}

type Params = { scale: number; zeroPoint: number };

function perTensor(params: Params): Quantization {
  return { scale: [params.scale], zeroPoint: [params.zeroPoint] };
}

const sameParams = (a: Params, b: Params) => a.scale === b.scale && a.zeroPoint === b.zeroPoint;

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
  input: Params;
  biasCorrection?: BiasCorrection;
}

type Domain = 'int8' | 'float';

/**
 * Which ops run on int8 kernels: those TFLite 2.9 has an int8 kernel for
 * (kernels.ts), unless another op of the same composed function has none.
 */
function opDomains(graph: IrGraph): Map<IrOp, Domain> {
  const domains = new Map<IrOp, Domain>();
  const floatUnits = new Set<string>();
  for (const op of graph.ops) {
    const domain: Domain = INT8_KERNELS[op.op] ? 'int8' : 'float';
    domains.set(op, domain);
    if (domain === 'float' && op.unit) floatUnits.add(op.unit);
  }
  for (const op of graph.ops) if (op.unit && floatUnits.has(op.unit) && domains.get(op) === 'int8') domains.set(op, 'float');
  return domains;
}

/**
 * Full integer: int8 activations, int8 weights (per output channel for
 * convolutions), int32 biases; float or uint8 at the edges. The parameters each
 * int8 kernel needs (kernels.ts) are met by sharing them along same-range ops and,
 * where an op needs all its inputs on one scale (CONCATENATION, MAXIMUM, MINIMUM)
 * but an input's parameters are already fixed (a sigmoid, tanh or softmax output,
 * the model input), by requantizing that input (a QUANTIZE int8 → int8), as
 * TFLite's own converter does. Ops without an int8 kernel run in float32 between
 * DEQUANTIZE and QUANTIZE.
 */
export function quantizeFullInteger(graph: IrGraph, options: FullIntegerOptions): IrGraph {
  const source = cloneGraph(graph);
  const out: IrGraph = { tensors: source.tensors, ops: [], inputs: source.inputs, outputs: source.outputs };
  const domains = opDomains(source);
  const isActivation = (index: number) => index >= 0 && out.tensors[index]!.dtype === 'float32' && !out.tensors[index]!.data;
  const inputId = source.inputs[0]!;
  const ranges = new Map(options.ranges);
  const rangeOf = (index: number): Range => {
    const range = ranges.get(index);
    if (!range) throw new Error(`no calibrated range for tensor ${out.tensors[index]!.name}`);
    return range;
  };

  // 1. Every op reads its inputs in its own domain: an int8 op reads an int8 copy of a float
  //    tensor (QUANTIZE), a float op a float copy of an int8 one (DEQUANTIZE). Tensors produced
  //    by int8 ops are int8; the model input is float (or uint8) outside and quantized once.
  const int8Tensors = new Set<number>();
  const converted = new Map<string, number>();
  const convert = (index: number, to: 'int8' | 'float', before: IrOp[]): number => {
    const key = `${index}->${to}`;
    const known = converted.get(key);
    if (known !== undefined) return known;
    const tensor = out.tensors[index]!;
    const copy = addTensor(out, { name: `${tensor.name}${to === 'int8' ? '_int8' : '_float'}`, shape: tensor.shape, dtype: 'float32', batched: tensor.batched ?? false });
    if (to === 'int8') {
      int8Tensors.add(copy);
      ranges.set(copy, index === inputId ? [0, 0] : rangeOf(index));
    }
    before.push({ op: to === 'int8' ? 'QUANTIZE' : 'DEQUANTIZE', inputs: [index], outputs: [copy], options: { kind: 'none' }, version: 1 });
    converted.set(key, copy);
    return copy;
  };
  for (const op of source.ops) {
    const domain = domains.get(op)!;
    const before: IrOp[] = [];
    op.inputs = op.inputs.map((index) => {
      if (!isActivation(index)) return index;
      // A uint8 model input is integer too: float readers get it dequantized.
      const isInt8 = int8Tensors.has(index) || (index === inputId && options.io === 'uint8');
      if (domain === 'int8' && !int8Tensors.has(index)) return convert(index, 'int8', before);
      if (domain === 'float' && isInt8) return convert(index, 'float', before);
      return index;
    });
    if (domain === 'int8') for (const output of op.outputs) int8Tensors.add(output);
    out.ops.push(...before, op);
  }
  const quantizedInput = converted.get(`${inputId}->int8`);

  // 2. Tensors that must share parameters, and the fixed parameters of some groups.
  const groups = new UnionFind();
  const fixed = new Map<number, Params>();
  const fixedOf = (tensor: number) => fixed.get(groups.find(tensor));
  const fix = (tensor: number, params: Params) => {
    if (!fixedOf(tensor)) fixed.set(groups.find(tensor), params);
  };
  const merge = (a: number, b: number) => {
    const params = fixedOf(a) ?? fixedOf(b);
    groups.union(a, b);
    if (params) fixed.set(groups.find(a), params);
  };
  if (quantizedInput !== undefined) fix(quantizedInput, options.input);
  for (const op of out.ops) {
    const kernel = INT8_KERNELS[op.op];
    if (domains.get(op) !== 'int8' || !kernel) continue;
    if (kernel.output === 'same') merge(op.inputs[0]!, op.outputs[0]!);
    else if (typeof kernel.output === 'object') fix(op.outputs[0]!, kernel.output);
  }
  // Shared-scale ops take the inputs whose parameters are still free into the output's group;
  // inputs with fixed parameters are requantized below.
  for (const op of out.ops) {
    if (domains.get(op) !== 'int8' || INT8_KERNELS[op.op]?.output !== 'shared') continue;
    for (const input of op.inputs) {
      if (!int8Tensors.has(input) || fixedOf(input) || fixedOf(op.outputs[0]!)) continue;
      merge(op.outputs[0]!, input);
    }
  }
  const groupRange = new Map<number, Range>();
  for (const index of int8Tensors) {
    const root = groups.find(index);
    if (fixed.has(root)) continue;
    const range = rangeOf(index);
    const seen = groupRange.get(root);
    groupRange.set(root, seen ? [Math.min(seen[0], range[0]), Math.max(seen[1], range[1])] : range);
  }
  const paramsOf = (index: number): Params => {
    const root = groups.find(index);
    return fixed.get(root) ?? activationParams(groupRange.get(root)!);
  };
  for (const index of int8Tensors) {
    const range = rangeOf(index);
    out.tensors[index] = { ...out.tensors[index]!, dtype: 'int8', quantization: { ...perTensor(paramsOf(index)), min: [range[0]], max: [range[1]] } };
  }

  // 3. Shared-scale ops: requantize every variable input on other parameters; constants take the output's.
  const ops: IrOp[] = [];
  const requantized = new Map<string, number>();
  for (const op of out.ops) {
    if (domains.get(op) === 'int8' && INT8_KERNELS[op.op]?.output === 'shared') {
      const target = paramsOf(op.outputs[0]!);
      op.inputs = op.inputs.map((index) => {
        const tensor = out.tensors[index]!;
        if (tensor.data instanceof Float32Array) {
          out.tensors[index] = { ...tensor, dtype: 'int8', data: quantizeAsymmetric(tensor.data, target), quantization: perTensor(target) };
          return index;
        }
        if (!int8Tensors.has(index) || sameParams(paramsOf(index), target)) return index;
        const key = `${index}@${target.scale}/${target.zeroPoint}`;
        let copy = requantized.get(key);
        if (copy === undefined) {
          copy = addTensor(out, { ...tensor, name: `${tensor.name}/requantized`, quantization: perTensor(target) });
          ops.push({ op: 'QUANTIZE', inputs: [index], outputs: [copy], options: { kind: 'none' }, version: 2, layer: op.layer });
          requantized.set(key, copy);
        }
        return copy;
      });
    }
    ops.push(op);
  }
  out.ops = ops;

  // 4. Weights, biases and other constants read by int8 ops.
  const scaleOf = (index: number) => out.tensors[index]!.quantization!.scale[0]!;
  for (const op of out.ops) {
    if (domains.get(op) !== 'int8') continue;
    const weighted = WEIGHTED_INPUTS[op.op];
    if (weighted) {
      const values = correctedBias(out, op, options.biasCorrection);
      const weightScales = quantizeFilter(out, op);
      const inputScale = scaleOf(op.inputs[weighted.input]!);
      const biasId = op.inputs[weighted.bias];
      if (biasId === undefined || biasId < 0 || !values) continue;
      const bias = out.tensors[biasId]!;
      const scale = Array.from(values, (_, c) => inputScale * weightScales[weightScales.length === 1 ? 0 : c]!);
      const data = Int32Array.from(values, (value, c) => Math.round(value / scale[c]!));
      out.tensors[biasId] = { ...bias, dtype: 'int32', data, quantization: { scale: scale.map(Math.fround), zeroPoint: scale.map(() => 0), dimension: 0 } };
      continue;
    }
    op.inputs.forEach((index) => {
      const tensor = out.tensors[index];
      if (!tensor || !(tensor.data instanceof Float32Array)) return;
      let min = 0;
      let max = 0;
      for (const value of tensor.data) {
        if (value < min) min = value;
        if (value > max) max = value;
      }
      const params = activationParams([min, max]);
      out.tensors[index] = { ...tensor, dtype: 'int8', data: quantizeAsymmetric(tensor.data, params), quantization: perTensor(params) };
    });
  }

  // 5. The edges: float or uint8 outside.
  if (options.io === 'uint8') {
    const inner = out.tensors[inputId]!;
    inner.dtype = 'uint8';
    inner.quantization = perTensor({ scale: options.input.scale, zeroPoint: options.input.zeroPoint + 128 });
  }
  out.outputs = out.outputs.map((innerId) => {
    const tensor = out.tensors[innerId]!;
    const isInt8 = int8Tensors.has(innerId);
    if (options.io === 'float' && !isInt8) return innerId;
    const params = isInt8 ? tensor.quantization! : perTensor(activationParams(rangeOf(innerId)));
    const outer: IrTensor =
      options.io === 'uint8'
        ? { name: tensor.name, shape: tensor.shape, dtype: 'uint8', batched: tensor.batched ?? false, quantization: { scale: params.scale, zeroPoint: params.zeroPoint.map((z) => z + 128) } }
        : { name: tensor.name, shape: tensor.shape, dtype: 'float32', batched: tensor.batched ?? false };
    tensor.name = `${tensor.name}${isInt8 ? '_int8' : '_float'}`;
    const outerId = addTensor(out, outer);
    addOp(out, { op: options.io === 'uint8' ? 'QUANTIZE' : 'DEQUANTIZE', inputs: [innerId], outputs: [outerId], options: { kind: 'none' } });
    return outerId;
  });
  return out;
}

function quantizeAsymmetric(values: Float32Array, params: Params): Int8Array {
  return Int8Array.from(values, (value) => Math.max(-128, Math.min(127, Math.round(value / params.scale) + params.zeroPoint)));
}
