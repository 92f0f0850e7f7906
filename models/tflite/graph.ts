/**
 * The converter's intermediate form: a TFLite graph as plain data (tensors,
 * operators, inputs, outputs). Lowering builds it from a Keras graph, the
 * passes and quantizers rewrite it, the writer serialises it.
 */
import type { ActivationName, OpName, PaddingName } from './schema.ts';

export type DType = 'float32' | 'float16' | 'int32' | 'uint8' | 'int8' | 'int64';

/** real = scale × (q − zeroPoint); one entry per channel along `dimension` when per-channel. */
export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  dimension?: number;
  min?: number[];
  max?: number[];
}

export type ConstData = Float32Array | Int32Array | Int8Array | Uint8Array | Uint16Array;

export interface IrTensor {
  name: string;
  /** Static shape; the batch dimension is 1 (shape_signature marks it dynamic). */
  shape: number[];
  dtype: DType;
  /** Constant values (float16 as raw Uint16 bits); absent for activations. */
  data?: ConstData;
  quantization?: Quantization;
  /** Keras tensor (tf.SymbolicTensor) whose value this activation equals; used for calibration. */
  source?: unknown;
  /** True when dimension 0 is the batch (activations), written as -1 in shape_signature. */
  batched?: boolean;
}

export type OpOptions =
  | { kind: 'conv'; padding: PaddingName; strideH: number; strideW: number; dilationH: number; dilationW: number; activation: ActivationName }
  | { kind: 'depthwise'; padding: PaddingName; strideH: number; strideW: number; dilationH: number; dilationW: number; depthMultiplier: number; activation: ActivationName }
  | { kind: 'pool'; padding: PaddingName; strideH: number; strideW: number; filterH: number; filterW: number; activation: ActivationName }
  | { kind: 'fullyConnected'; activation: ActivationName; keepNumDims: boolean; asymmetricQuantizeInputs?: boolean }
  | { kind: 'softmax'; beta: number }
  | { kind: 'concatenation'; axis: number; activation: ActivationName }
  | { kind: 'add'; activation: ActivationName }
  | { kind: 'mul'; activation: ActivationName }
  | { kind: 'sub'; activation: ActivationName }
  | { kind: 'div'; activation: ActivationName }
  | { kind: 'reshape'; newShape: number[] }
  | { kind: 'reducer'; keepDims: boolean }
  | { kind: 'pad' }
  | { kind: 'transpose' }
  | { kind: 'transposeConv'; padding: PaddingName; strideH: number; strideW: number }
  | { kind: 'resize'; alignCorners: boolean; halfPixelCenters: boolean }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'gelu'; approximate: boolean }
  | { kind: 'none' };

export interface IrOp {
  op: OpName;
  inputs: number[];
  outputs: number[];
  options: OpOptions;
  /** Operator version (the runtimes check it against what they support). */
  version: number;
  /** Keras layer this op came from, for messages. */
  layer?: string;
  /**
   * Ops lowered together from one function (a composed activation): the int8
   * quantizer keeps them in one domain, all int8 or all float.
   */
  unit?: string;
}

export interface IrGraph {
  tensors: IrTensor[];
  ops: IrOp[];
  inputs: number[];
  outputs: number[];
}

export function emptyGraph(): IrGraph {
  return { tensors: [], ops: [], inputs: [], outputs: [] };
}

export function addTensor(graph: IrGraph, tensor: IrTensor): number {
  graph.tensors.push(tensor);
  return graph.tensors.length - 1;
}

/**
 * Adds an op with its own copy of `options` and of its tensor lists: the passes
 * rewrite an op's options in place (a fused activation), and a lowering that
 * emits several ops from one options literal (a chained n-ary Add) must not see
 * that rewrite reach its other ops.
 */
export function addOp(graph: IrGraph, op: Omit<IrOp, 'version'> & { version?: number }): IrOp {
  const full: IrOp = { version: 1, ...op, inputs: [...op.inputs], outputs: [...op.outputs], options: { ...op.options } };
  graph.ops.push(full);
  return full;
}

/** Ops that carry a fused activation in their options. */
export function fusedActivation(options: OpOptions): ActivationName | undefined {
  return 'activation' in options ? options.activation : undefined;
}

/** Which ops read each tensor. */
export function consumers(graph: IrGraph): Map<number, IrOp[]> {
  const map = new Map<number, IrOp[]>();
  for (const op of graph.ops) {
    for (const input of op.inputs) {
      if (input < 0) continue;
      const list = map.get(input) ?? [];
      list.push(op);
      map.set(input, list);
    }
  }
  return map;
}

/** Which op writes each tensor. */
export function producers(graph: IrGraph): Map<number, IrOp> {
  const map = new Map<number, IrOp>();
  for (const op of graph.ops) for (const output of op.outputs) map.set(output, op);
  return map;
}

/** Drops tensors no op or graph input/output refers to, renumbering the rest. */
export function compact(graph: IrGraph): IrGraph {
  const used = new Set<number>([...graph.inputs, ...graph.outputs]);
  for (const op of graph.ops) for (const index of [...op.inputs, ...op.outputs]) if (index >= 0) used.add(index);
  const remap = new Map<number, number>();
  const tensors: IrTensor[] = [];
  graph.tensors.forEach((tensor, index) => {
    if (!used.has(index)) return;
    remap.set(index, tensors.length);
    tensors.push(tensor);
  });
  const map = (index: number) => (index < 0 ? index : remap.get(index)!);
  return {
    tensors,
    ops: graph.ops.map((op) => ({ ...op, inputs: op.inputs.map(map), outputs: op.outputs.map(map) })),
    inputs: graph.inputs.map(map),
    outputs: graph.outputs.map(map),
  };
}

export function elementCount(shape: number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}
