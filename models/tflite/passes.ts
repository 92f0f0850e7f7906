/**
 * Graph rewrites on the float graph, before quantization:
 * - a per-channel MUL / ADD by a constant right after a convolution or fully
 *   connected op folds into its weights and bias (batch normalisation, whose
 *   lowering is exactly that pair);
 * - RELU / RELU6 / RELU_N1_TO_1 right after an op that has a fused activation
 *   becomes that activation;
 * - tensors nothing refers to any more are dropped.
 * Each rewrite needs the intermediate tensor to have a single reader and not
 * to be a graph output, so no value anyone can observe changes.
 */
import { compact, consumers, producers, type IrGraph, type IrOp } from './graph.ts';
import type { ActivationName, OpName } from './schema.ts';

const WEIGHTED: OpName[] = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'];
/** Ops whose fused activation the runtimes honour (CONCATENATION's is rejected by int8 kernels). */
const FUSES_ACTIVATION: OpName[] = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD', 'MUL', 'AVERAGE_POOL_2D', 'MAX_POOL_2D'];
const ACTIVATION_OF: Partial<Record<OpName, ActivationName>> = { RELU: 'RELU', RELU6: 'RELU6', RELU_N1_TO_1: 'RELU_N1_TO_1' };

/** The weighted op producing `tensor`, when `tensor` can be rewritten away. */
function foldableProducer(graph: IrGraph, tensor: number, kinds: OpName[], requireLinear: boolean): IrOp | undefined {
  if (graph.outputs.includes(tensor)) return undefined;
  const readers = consumers(graph).get(tensor) ?? [];
  if (readers.length !== 1) return undefined;
  const producer = producers(graph).get(tensor);
  if (!producer || !kinds.includes(producer.op)) return undefined;
  if (requireLinear && 'activation' in producer.options && producer.options.activation !== 'NONE') return undefined;
  return producer;
}

/** A float constant input with one value per channel (or one for all); returns [variable input, values]. */
function perChannelConstant(graph: IrGraph, op: IrOp): [number, Float32Array] | undefined {
  const [a, b] = op.inputs as [number, number];
  for (const [variable, constantId] of [
    [a, b],
    [b, a],
  ] as const) {
    const constant = graph.tensors[constantId]!;
    if (constant.data instanceof Float32Array && constant.shape.length === 1 && !graph.tensors[variable]!.data) return [variable, constant.data];
  }
  return undefined;
}

function channelCount(graph: IrGraph, op: IrOp): number {
  const filter = graph.tensors[op.inputs[1]!]!;
  return op.op === 'DEPTHWISE_CONV_2D' ? filter.shape[3]! : filter.shape[0]!;
}

/** Multiplies output channel c of a weighted op's filter and bias by scale[c]. */
function scaleChannels(graph: IrGraph, op: IrOp, scale: (channel: number) => number): void {
  const filter = graph.tensors[op.inputs[1]!]!.data as Float32Array;
  const bias = graph.tensors[op.inputs[2]!]!.data as Float32Array;
  const channels = channelCount(graph, op);
  if (op.op === 'DEPTHWISE_CONV_2D') {
    for (let i = 0; i < filter.length; i++) filter[i]! *= scale(i % channels);
  } else {
    const perChannel = filter.length / channels;
    for (let i = 0; i < filter.length; i++) filter[i]! *= scale(Math.floor(i / perChannel));
  }
  for (let c = 0; c < channels; c++) bias[c]! *= scale(c);
}

function removeOp(graph: IrGraph, op: IrOp): void {
  graph.ops.splice(graph.ops.indexOf(op), 1);
}

/** Folds MUL/ADD by per-channel constants into the convolution or dense op before them. */
export function foldScaleShift(graph: IrGraph): number {
  let folded = 0;
  for (const op of [...graph.ops]) {
    if (op.op !== 'MUL' && op.op !== 'ADD') continue;
    if (op.options.kind !== 'mul' && op.options.kind !== 'add') continue;
    if (op.options.activation !== 'NONE') continue;
    const found = perChannelConstant(graph, op);
    if (!found) continue;
    const [variable, values] = found;
    const producer = foldableProducer(graph, variable, WEIGHTED, true);
    if (!producer) continue;
    const channels = channelCount(graph, producer);
    if (values.length !== channels && values.length !== 1) continue;
    const at = (channel: number) => values[values.length === 1 ? 0 : channel]!;
    if (op.op === 'MUL') scaleChannels(graph, producer, at);
    else {
      const bias = graph.tensors[producer.inputs[2]!]!.data as Float32Array;
      for (let c = 0; c < channels; c++) bias[c]! += at(c);
    }
    producer.outputs[0] = op.outputs[0]!;
    removeOp(graph, op);
    folded++;
  }
  return folded;
}

/** Turns standalone RELU-family ops into the fused activation of the op before them. */
export function fuseActivations(graph: IrGraph): number {
  let fused = 0;
  for (const op of [...graph.ops]) {
    const activation = ACTIVATION_OF[op.op];
    if (!activation) continue;
    const producer = foldableProducer(graph, op.inputs[0]!, FUSES_ACTIVATION, true);
    if (!producer || !('activation' in producer.options)) continue;
    producer.options.activation = activation;
    producer.outputs[0] = op.outputs[0]!;
    removeOp(graph, op);
    fused++;
  }
  return fused;
}

/** All float-graph rewrites in order; returns the compacted graph. */
export function optimize(graph: IrGraph): IrGraph {
  foldScaleShift(graph);
  fuseActivations(graph);
  return compact(graph);
}
