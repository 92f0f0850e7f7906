/**
 * Full-integer quantization: int8 activations from calibrated ranges, int8
 * weights (per output channel for convolutions), int32 biases, with float
 * (QUANTIZE/DEQUANTIZE at the edges) or uint8 inputs and outputs. Ops without
 * an int8 kernel in TFLite 2.9 (kernels.ts) run in float32 between DEQUANTIZE
 * and QUANTIZE.
 *
 * Five named passes, each taking the graph (and what earlier passes learnt
 * about it) and returning new data; none writes to what it was given:
 * 1. placeConversions: every op reads its inputs in its own domain;
 * 2. quantizeActivations: the parameters of every int8 activation, shared where
 *    a kernel needs its input and output on one scale;
 * 3. requantizeSharedInputs: inputs of shared-scale ops on other parameters are requantized;
 * 4. quantizeConstants: weights, biases and other constants that int8 ops read;
 * 5. addEdges: the float (or uint8) model input and outputs.
 */
import { addTensor, type IrGraph, type IrOp, type IrTensor, type Quantization } from './graph.ts';
import { INT8_KERNELS, WEIGHTED_INPUTS } from './kernels.ts';
import { activationParams, correctedBias, quantizeFilter, type BiasCorrection, type Range } from './quantize.ts';

type Params = { scale: number; zeroPoint: number };

export interface FullIntegerOptions {
  /** Calibrated [min, max] of every float activation tensor, by tensor index of `graph`. */
  ranges: Map<number, Range>;
  io: 'float' | 'uint8';
  /** Parameters of the model input: from the normalisation, so that uint8 pixels map exactly. */
  input: Params;
  biasCorrection?: BiasCorrection;
}

/** The graph after pass 1, and what the later passes need to know about it. */
interface PlacedGraph {
  graph: IrGraph;
  /** The ops that run on int8 kernels (the conversions pass 1 adds are not among them). */
  int8Ops: ReadonlySet<IrOp>;
  /** Activation tensors stored as int8. */
  int8Tensors: ReadonlySet<number>;
  /** The calibrated ranges, and those of the int8 copies pass 1 made. */
  ranges: ReadonlyMap<number, Range>;
  /** The int8 copy of the model input, when an int8 op reads it. */
  quantizedInput?: number;
}

function perTensor(params: Params): Quantization {
  return { scale: [params.scale], zeroPoint: [params.zeroPoint] };
}

/** The per-tensor parameters an int8 tensor was given by pass 2. */
function paramsOf(graph: IrGraph, index: number): Params {
  const quantization = graph.tensors[index]!.quantization!;
  return { scale: quantization.scale[0]!, zeroPoint: quantization.zeroPoint[0]! };
}

const sameParams = (a: Params, b: Params) => a.scale === b.scale && a.zeroPoint === b.zeroPoint;

function rangeOf(ranges: ReadonlyMap<number, Range>, graph: IrGraph, index: number): Range {
  const range = ranges.get(index);
  if (!range) throw new Error(`no calibrated range for tensor ${graph.tensors[index]!.name}`);
  return range;
}

function quantizeAsymmetric(values: Float32Array, params: Params): Int8Array {
  return Int8Array.from(values, (value) => Math.max(-128, Math.min(127, Math.round(value / params.scale) + params.zeroPoint)));
}

/** A copy of the graph whose tensor list passes may replace entries of and add to. */
function withOwnTensors(graph: IrGraph): IrGraph {
  return { ...graph, tensors: [...graph.tensors] };
}

/**
 * Which ops run on int8 kernels: those TFLite 2.9 has an int8 kernel for
 * (kernels.ts), unless another op of the same composed function has none.
 */
function int8Ops(graph: IrGraph, io: FullIntegerOptions['io']): Set<IrOp> {
  const floatUnits = new Set<string>();
  for (const op of graph.ops) if (!INT8_KERNELS[op.op] && op.unit) floatUnits.add(op.unit);
  // The head's softmax, writing a float model output, runs in float after a DEQUANTIZE: TFLite 2.9's
  // XNNPACK delegate has no int8 softmax, and in int8 it stayed on TFLite's kernels, a partition of its own.
  const floatHead = (op: IrOp) => io === 'float' && op.op === 'SOFTMAX' && op.outputs.every((output) => graph.outputs.includes(output));
  return new Set(graph.ops.filter((op) => INT8_KERNELS[op.op] && !(op.unit && floatUnits.has(op.unit)) && !floatHead(op)));
}

/**
 * Pass 1. Every op reads its inputs in its own domain: an int8 op reads an int8
 * copy of a float tensor (QUANTIZE), a float op a float copy of an int8 one
 * (DEQUANTIZE), each copy made once. Tensors produced by int8 ops are int8; the
 * model input is float (or uint8) outside and quantized once.
 */
function placeConversions(source: IrGraph, options: Pick<FullIntegerOptions, 'ranges' | 'io'>): PlacedGraph {
  const graph: IrGraph = { ...withOwnTensors(source), ops: [] };
  const int8 = int8Ops(source, options.io);
  const placedInt8 = new Set<IrOp>();
  const int8Tensors = new Set<number>();
  const ranges = new Map(options.ranges);
  const inputId = source.inputs[0]!;
  const isActivation = (index: number) => index >= 0 && graph.tensors[index]!.dtype === 'float32' && !graph.tensors[index]!.data;
  const converted = new Map<string, number>();
  const convert = (index: number, to: 'int8' | 'float', before: IrOp[]): number => {
    const key = `${index}->${to}`;
    const known = converted.get(key);
    if (known !== undefined) return known;
    const tensor = graph.tensors[index]!;
    const copy = addTensor(graph, { name: `${tensor.name}${to === 'int8' ? '_int8' : '_float'}`, shape: tensor.shape, dtype: 'float32', batched: tensor.batched ?? false });
    if (to === 'int8') {
      int8Tensors.add(copy);
      // The quantized model input's parameters are fixed in pass 2; its range is not used.
      ranges.set(copy, index === inputId ? [0, 0] : rangeOf(ranges, graph, index));
    }
    before.push({ op: to === 'int8' ? 'QUANTIZE' : 'DEQUANTIZE', inputs: [index], outputs: [copy], options: { kind: 'none' }, version: 1 });
    converted.set(key, copy);
    return copy;
  };
  for (const op of source.ops) {
    const isInt8Op = int8.has(op);
    const before: IrOp[] = [];
    const inputs = op.inputs.map((index) => {
      if (!isActivation(index)) return index;
      // A uint8 model input is integer too: float readers get it dequantized.
      const isInt8 = int8Tensors.has(index) || (index === inputId && options.io === 'uint8');
      if (isInt8Op && !int8Tensors.has(index)) return convert(index, 'int8', before);
      if (!isInt8Op && isInt8) return convert(index, 'float', before);
      return index;
    });
    const placed: IrOp = { ...op, inputs, outputs: [...op.outputs], options: { ...op.options } };
    if (isInt8Op) {
      placedInt8.add(placed);
      for (const output of op.outputs) int8Tensors.add(output);
    }
    graph.ops.push(...before, placed);
  }
  const quantizedInput = converted.get(`${inputId}->int8`);
  return { graph, int8Ops: placedInt8, int8Tensors, ranges, ...(quantizedInput !== undefined ? { quantizedInput } : {}) };
}

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

/**
 * Pass 2. The parameters of every int8 activation. Tensors that must share
 * them form groups: a same-range op's input and output; a shared-scale op's
 * output and those inputs whose parameters are still free (the others are
 * requantized in pass 3). Some groups are fixed (the model input by its
 * normalisation, a softmax output by its kernel); the others cover the union
 * of their members' calibrated ranges.
 */
function quantizeActivations(placed: PlacedGraph, input: Params): PlacedGraph {
  const { graph, int8Ops: int8, int8Tensors, ranges } = placed;
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
  if (placed.quantizedInput !== undefined) fix(placed.quantizedInput, input);
  for (const op of graph.ops) {
    const kernel = INT8_KERNELS[op.op];
    if (!int8.has(op) || !kernel) continue;
    if (kernel.output === 'same') merge(op.inputs[0]!, op.outputs[0]!);
    else if (typeof kernel.output === 'object') fix(op.outputs[0]!, kernel.output);
  }
  for (const op of graph.ops) {
    if (!int8.has(op) || INT8_KERNELS[op.op]?.output !== 'shared') continue;
    for (const tensor of op.inputs) {
      if (!int8Tensors.has(tensor) || fixedOf(tensor) || fixedOf(op.outputs[0]!)) continue;
      merge(op.outputs[0]!, tensor);
    }
  }
  const groupRange = new Map<number, Range>();
  for (const index of int8Tensors) {
    const root = groups.find(index);
    if (fixed.has(root)) continue;
    const range = rangeOf(ranges, graph, index);
    const seen = groupRange.get(root);
    groupRange.set(root, seen ? [Math.min(seen[0], range[0]), Math.max(seen[1], range[1])] : range);
  }
  const out = withOwnTensors(graph);
  for (const index of int8Tensors) {
    const root = groups.find(index);
    const params = fixed.get(root) ?? activationParams(groupRange.get(root)!);
    const range = rangeOf(ranges, graph, index);
    out.tensors[index] = { ...out.tensors[index]!, dtype: 'int8', quantization: { ...perTensor(params), min: [range[0]], max: [range[1]] } };
  }
  return { ...placed, graph: out };
}

/**
 * Pass 3. A shared-scale op (CONCATENATION, MAXIMUM, MINIMUM) reads every
 * input on its output's parameters: an int8 input on other parameters (a
 * sigmoid output, the model input) through a QUANTIZE int8 → int8, as TFLite's
 * own converter does; a float constant quantized to them.
 */
function requantizeSharedInputs(placed: PlacedGraph): PlacedGraph {
  const graph = withOwnTensors(placed.graph);
  const ops: IrOp[] = [];
  const int8 = new Set<IrOp>();
  const requantized = new Map<string, number>();
  for (const op of placed.graph.ops) {
    const isInt8Op = placed.int8Ops.has(op);
    if (!isInt8Op || INT8_KERNELS[op.op]?.output !== 'shared') {
      if (isInt8Op) int8.add(op);
      ops.push(op);
      continue;
    }
    const target = paramsOf(graph, op.outputs[0]!);
    const inputs = op.inputs.map((index) => {
      const tensor = graph.tensors[index]!;
      if (tensor.data instanceof Float32Array) {
        graph.tensors[index] = { ...tensor, dtype: 'int8', data: quantizeAsymmetric(tensor.data, target), quantization: perTensor(target) };
        return index;
      }
      if (!placed.int8Tensors.has(index) || sameParams(paramsOf(graph, index), target)) return index;
      const key = `${index}@${target.scale}/${target.zeroPoint}`;
      let copy = requantized.get(key);
      if (copy === undefined) {
        copy = addTensor(graph, { ...tensor, name: `${tensor.name}/requantized`, quantization: perTensor(target) });
        ops.push({ op: 'QUANTIZE', inputs: [index], outputs: [copy], options: { kind: 'none' }, version: 2, layer: op.layer });
        requantized.set(key, copy);
      }
      return copy;
    });
    const rewritten: IrOp = { ...op, inputs };
    int8.add(rewritten);
    ops.push(rewritten);
  }
  return { ...placed, graph: { ...graph, ops }, int8Ops: int8 };
}

/**
 * Pass 4. The constants int8 ops read: a weighted op's filter as symmetric
 * int8 and its bias (bias-corrected) as int32 on input scale × weight scale;
 * any other float constant as asymmetric int8 covering its values.
 */
function quantizeConstants(placed: PlacedGraph, biasCorrection: BiasCorrection | undefined): PlacedGraph {
  const graph = withOwnTensors(placed.graph);
  for (const op of graph.ops) {
    if (!placed.int8Ops.has(op)) continue;
    const weighted = WEIGHTED_INPUTS[op.op];
    if (weighted) {
      const values = correctedBias(graph, op, biasCorrection);
      const weightScales = quantizeFilter(graph, op);
      const inputScale = paramsOf(graph, op.inputs[weighted.input]!).scale;
      const biasId = op.inputs[weighted.bias];
      if (biasId === undefined || biasId < 0 || !values) continue;
      const scale = Array.from(values, (_, c) => inputScale * weightScales[weightScales.length === 1 ? 0 : c]!);
      const data = Int32Array.from(values, (value, c) => Math.round(value / scale[c]!));
      // A per-tensor filter (FULLY_CONNECTED) gets a per-tensor bias: TFLite 2.9 gives a tensor a
      // scale of its own only when it has one, and its XNNPACK delegate refused an int32 bias without
      // (the int8 classifier stayed on TFLite's kernels).
      const quantization = weightScales.length === 1 ? { scale: [Math.fround(scale[0]!)], zeroPoint: [0] } : { scale: scale.map(Math.fround), zeroPoint: scale.map(() => 0), dimension: 0 };
      graph.tensors[biasId] = { ...graph.tensors[biasId]!, dtype: 'int32', data, quantization };
      continue;
    }
    for (const index of op.inputs) {
      const tensor = graph.tensors[index];
      if (!tensor || !(tensor.data instanceof Float32Array)) continue;
      let min = 0;
      let max = 0;
      for (const value of tensor.data) {
        if (value < min) min = value;
        if (value > max) max = value;
      }
      const params = activationParams([min, max]);
      graph.tensors[index] = { ...tensor, dtype: 'int8', data: quantizeAsymmetric(tensor.data, params), quantization: perTensor(params) };
    }
  }
  return { ...placed, graph };
}

/**
 * Pass 5. The edges: a uint8 model input is the int8 one shifted by 128; each
 * int8 output (every output, for uint8 io) gets an outer tensor under its name,
 * written by a DEQUANTIZE (float io) or QUANTIZE (uint8 io).
 */
function addEdges(placed: PlacedGraph, options: Pick<FullIntegerOptions, 'io' | 'input'>): IrGraph {
  const graph: IrGraph = { ...withOwnTensors(placed.graph), ops: [...placed.graph.ops] };
  const inputId = graph.inputs[0]!;
  if (options.io === 'uint8') {
    graph.tensors[inputId] = { ...graph.tensors[inputId]!, dtype: 'uint8', quantization: perTensor({ scale: options.input.scale, zeroPoint: options.input.zeroPoint + 128 }) };
  }
  graph.outputs = graph.outputs.map((innerId) => {
    const tensor = graph.tensors[innerId]!;
    const isInt8 = placed.int8Tensors.has(innerId);
    if (options.io === 'float' && !isInt8) return innerId;
    const params = isInt8 ? tensor.quantization! : perTensor(activationParams(rangeOf(placed.ranges, graph, innerId)));
    const outer: IrTensor =
      options.io === 'uint8'
        ? { name: tensor.name, shape: tensor.shape, dtype: 'uint8', batched: tensor.batched ?? false, quantization: { scale: params.scale, zeroPoint: params.zeroPoint.map((z) => z + 128) } }
        : { name: tensor.name, shape: tensor.shape, dtype: 'float32', batched: tensor.batched ?? false };
    graph.tensors[innerId] = { ...tensor, name: `${tensor.name}${isInt8 ? '_int8' : '_float'}` };
    const outerId = addTensor(graph, outer);
    graph.ops.push({ op: options.io === 'uint8' ? 'QUANTIZE' : 'DEQUANTIZE', inputs: [innerId], outputs: [outerId], options: { kind: 'none' }, version: 1 });
    return outerId;
  });
  return graph;
}

/** The optimised float graph as a full-integer graph (see the module comment); `graph` is not written to. */
export function quantizeFullInteger(graph: IrGraph, options: FullIntegerOptions): IrGraph {
  const placed = placeConversions(graph, options);
  const activations = quantizeActivations(placed, options.input);
  const shared = requantizeSharedInputs(activations);
  const constants = quantizeConstants(shared, options.biasCorrection);
  return addEdges(constants, options);
}
