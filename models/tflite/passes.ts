/**
 * Graph rewrites on the float graph, before quantization:
 * - a per-channel MUL / ADD by a constant right after a convolution, transposed
 *   convolution or fully connected op folds into its weights and bias (batch
 *   normalisation, whose lowering is exactly that pair);
 * - RELU / RELU6 / RELU_N1_TO_1 right after an op that has a fused activation
 *   becomes that activation;
 * - x · relu6(x + 3) / 6 (hard-swish, as a TF.js model spells it with
 *   Rescaling, ReLU and Multiply layers) becomes one HARD_SWISH op;
 * - tensors nothing refers to any more are dropped.
 * Each rewrite needs the intermediate tensors to have a single reader and not
 * to be graph outputs, so no value anyone can observe changes.
 */
import { compact, consumers, producers, type IrGraph, type IrOp } from './graph.ts';
import { WEIGHTED_INPUTS } from './kernels.ts';
import type { ActivationName, OpName } from './schema.ts';

const WEIGHTED = WEIGHTED_INPUTS;
/** Ops whose fused activation the runtimes honour (CONCATENATION's is rejected by int8 kernels). */
const FUSES_ACTIVATION: OpName[] = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD', 'MUL', 'AVERAGE_POOL_2D', 'MAX_POOL_2D'];
const ACTIVATION_OF: Partial<Record<OpName, ActivationName>> = { RELU: 'RELU', RELU6: 'RELU6', RELU_N1_TO_1: 'RELU_N1_TO_1' };

/** The op producing `tensor` when it is one of `kinds` and `tensor` can be rewritten away. */
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
  const filter = graph.tensors[op.inputs[WEIGHTED[op.op]!.filter]!]!;
  return op.op === 'DEPTHWISE_CONV_2D' ? filter.shape[3]! : filter.shape[0]!;
}

/** Multiplies output channel c of a weighted op's filter and bias by scale[c]. */
function scaleChannels(graph: IrGraph, op: IrOp, scale: (channel: number) => number): void {
  const slots = WEIGHTED[op.op]!;
  const filter = graph.tensors[op.inputs[slots.filter]!]!.data as Float32Array;
  const bias = graph.tensors[op.inputs[slots.bias]!]!.data as Float32Array;
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
  const weightedOps = Object.keys(WEIGHTED) as OpName[];
  for (const op of [...graph.ops]) {
    if (op.op !== 'MUL' && op.op !== 'ADD') continue;
    if (op.options.kind !== 'mul' && op.options.kind !== 'add') continue;
    if (op.options.activation !== 'NONE') continue;
    const found = perChannelConstant(graph, op);
    if (!found) continue;
    const [variable, values] = found;
    const producer = foldableProducer(graph, variable, weightedOps, true);
    if (!producer) continue;
    const channels = channelCount(graph, producer);
    if (values.length !== channels && values.length !== 1) continue;
    // A bias the producer does not have yet (TRANSPOSE_CONV without one) cannot take a shift.
    if (graph.tensors[producer.inputs[WEIGHTED[producer.op]!.bias]!]?.data === undefined) continue;
    const at = (channel: number) => values[values.length === 1 ? 0 : channel]!;
    if (op.op === 'MUL') scaleChannels(graph, producer, at);
    else {
      const bias = graph.tensors[producer.inputs[WEIGHTED[producer.op]!.bias]!]!.data as Float32Array;
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
    // An op of a composed function stays inside it (its unit must keep one quantization domain).
    if (producer.unit !== op.unit) continue;
    producer.options.activation = activation;
    producer.outputs[0] = op.outputs[0]!;
    removeOp(graph, op);
    fused++;
  }
  return fused;
}

/** The single float value of a scalar constant, or undefined. */
function scalarValue(graph: IrGraph, tensor: number): number | undefined {
  const data = graph.tensors[tensor]?.data;
  return data instanceof Float32Array && data.length === 1 ? data[0] : undefined;
}

const near = (value: number | undefined, target: number) => value !== undefined && Math.abs(value - target) <= 1e-6 * Math.max(1, Math.abs(target));

/** The other input of a binary op, when one input is `tensor`. */
function otherInput(op: IrOp, tensor: number): number | undefined {
  if (op.inputs.length !== 2) return undefined;
  if (op.inputs[0] === tensor) return op.inputs[1];
  if (op.inputs[1] === tensor) return op.inputs[0];
  return undefined;
}

/** relu6(x + 3) computed by an ADD with fused RELU6; returns x. */
function relu6PlusThree(graph: IrGraph, tensor: number): number | undefined {
  const add = foldableProducer(graph, tensor, ['ADD'], false);
  if (!add || add.options.kind !== 'add' || add.options.activation !== 'RELU6') return undefined;
  const [a, b] = add.inputs as [number, number];
  if (near(scalarValue(graph, b), 3) && !graph.tensors[a]!.data) return a;
  if (near(scalarValue(graph, a), 3) && !graph.tensors[b]!.data) return b;
  return undefined;
}

/**
 * x · (relu6(x + 3) · 1/6) and (x · relu6(x + 3)) · 1/6 → HARD_SWISH(x).
 * (TFLite's HARD_SWISH computes x · min(max(x + 3, 0), 6) / 6.)
 */
export function fuseHardSwish(graph: IrGraph): number {
  let fused = 0;
  for (const op of [...graph.ops]) {
    if (op.op !== 'MUL' || op.options.kind !== 'mul' || op.options.activation !== 'NONE' || op.inputs.length !== 2) continue;
    const output = op.outputs[0]!;
    let x: number | undefined;
    let removed: IrOp[] = [];
    // Form 1: op = x · h, h = MUL(relu6(x + 3), 1/6).
    for (const h of op.inputs) {
      const scale = foldableProducer(graph, h, ['MUL'], true);
      if (!scale) continue;
      for (const candidate of scale.inputs) {
        const sixth = otherInput(scale, candidate);
        if (sixth === undefined || !near(scalarValue(graph, sixth), 1 / 6)) continue;
        const source = relu6PlusThree(graph, candidate);
        if (source !== undefined && otherInput(op, h) === source) {
          x = source;
          removed = [scale, producers(graph).get(candidate)!];
        }
      }
    }
    // Form 2: op = MUL(x · relu6(x + 3), 1/6).
    if (x === undefined) {
      const product = op.inputs.find((input) => near(scalarValue(graph, otherInput(op, input) ?? -1), 1 / 6));
      const inner = product === undefined ? undefined : foldableProducer(graph, product, ['MUL'], true);
      if (inner) {
        for (const candidate of inner.inputs) {
          const source = relu6PlusThree(graph, candidate);
          if (source !== undefined && otherInput(inner, candidate) === source) {
            x = source;
            removed = [inner, producers(graph).get(candidate)!];
          }
        }
      }
    }
    if (x === undefined) continue;
    for (const dead of removed) removeOp(graph, dead);
    Object.assign(op, { op: 'HARD_SWISH', inputs: [x], outputs: [output], options: { kind: 'none' } });
    fused++;
  }
  return fused;
}

/** All float-graph rewrites in order; returns the compacted graph. */
export function optimize(graph: IrGraph): IrGraph {
  foldScaleShift(graph);
  fuseActivations(graph);
  fuseHardSwish(graph);
  return compact(graph);
}
