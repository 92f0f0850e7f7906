/**
 * GraphDef nodes without weights: activations, element-wise arithmetic with
 * numpy broadcasting, pooling, reductions, padding, concatenation and
 * reshaping. Element-wise ops by a constant keep the constant's own shape
 * (TFLite broadcasts numpy-style), so a per-channel one folds into the
 * convolution before it (passes.ts) and x·relu6(x+3)/6 becomes HARD_SWISH.
 */
import { attrInts, attrNumber, attrBool } from './graph-def.ts';
import type { OpOptions } from './graph.ts';
import { emitActivation } from './lower-graph-conv.ts';
import {
  constantInput,
  constantTensor,
  count,
  emit,
  ints,
  irInput,
  isConstant,
  paddingOf,
  refuse,
  requireNhwc,
  shapeOf,
  tensorInput,
  windowOutput,
  type NodeContext,
  type NodeLowering,
  type Operand,
} from './lower-graph-context.ts';
import type { OpName } from './schema.ts';

/** numpy broadcasting of two shapes, aligned on the right; undefined when they do not broadcast. */
export function broadcast(a: number[], b: number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else return undefined;
  }
  return out;
}

/** A node with one activation input whose TFLite op keeps its shape. */
function unary(activation: string): NodeLowering {
  return (context) => {
    const input = tensorInput(context, 0);
    const alpha = activation === 'leakyrelu' ? { leaky: attrNumber(context.node, 'alpha') ?? 0.2 } : undefined;
    return { tensor: emitActivation(context, activation, input, shapeOf(context, { tensor: input }), alpha) };
  };
}

/** Softmax over the last axis (TF.js's softmax op computes nothing else). */
const lowerSoftmax: NodeLowering = (context) => {
  const input = tensorInput(context, 0);
  return { tensor: emit(context, 'SOFTMAX', [input], shapeOf(context, { tensor: input }), { kind: 'softmax', beta: 1 }) };
};

/**
 * A binary element-wise op with numpy broadcasting. An activation tensor goes
 * first where the op commutes (the passes look for the constant second);
 * x − c becomes x + (−c), and x / c becomes x · (1/c), as TFLite's converter does.
 */
function binary(nodeKind: 'add' | 'mul' | 'sub' | 'div' | 'max' | 'min'): NodeLowering {
  return (context) => {
    let kind = nodeKind;
    let [a, b] = context.operands as [Operand, Operand];
    if (!a || !b) throw refuse(context, 'needs two inputs');
    const shape = broadcast(shapeOf(context, a), shapeOf(context, b));
    if (!shape) throw refuse(context, `inputs of shapes ${JSON.stringify(shapeOf(context, a))} and ${JSON.stringify(shapeOf(context, b))} do not broadcast`);
    let op: OpName;
    let options: OpOptions;
    if (kind === 'sub' && isConstant(b)) {
      b = { constant: { values: Float32Array.from(b.constant.values, (value) => -value), shape: b.constant.shape } };
      kind = 'add';
    }
    if (kind === 'div' && isConstant(b)) {
      b = { constant: { values: Float32Array.from(b.constant.values, (value) => 1 / value), shape: b.constant.shape } };
      kind = 'mul';
    }
    if (kind !== 'sub' && kind !== 'div' && isConstant(a)) [a, b] = [b, a];
    switch (kind) {
      case 'add':
        [op, options] = ['ADD', { kind: 'add', activation: 'NONE' }];
        break;
      case 'mul':
        [op, options] = ['MUL', { kind: 'mul', activation: 'NONE' }];
        break;
      case 'sub':
        [op, options] = ['SUB', { kind: 'sub', activation: 'NONE' }];
        break;
      case 'div':
        [op, options] = ['DIV', { kind: 'div', activation: 'NONE' }];
        break;
      case 'max':
        [op, options] = ['MAXIMUM', { kind: 'none' }];
        break;
      case 'min':
        [op, options] = ['MINIMUM', { kind: 'none' }];
        break;
    }
    return { tensor: emit(context, op, [irInput(context, a, 'x'), irInput(context, b, 'y')], shape, options) };
  };
}

function pool(op: 'MAX_POOL_2D' | 'AVERAGE_POOL_2D'): NodeLowering {
  return (context) => {
    requireNhwc(context);
    const input = tensorInput(context, 0);
    const [batch, height, width, channels] = shapeOf(context, { tensor: input }) as [number, number, number, number];
    const ksize = attrInts(context.node, 'ksize') ?? [];
    const strides = attrInts(context.node, 'strides') ?? [];
    if (ksize.length !== 4 || ksize[0] !== 1 || ksize[3] !== 1 || strides.length !== 4 || strides[0] !== 1 || strides[3] !== 1) {
      throw refuse(context, `window ${JSON.stringify(ksize)} with strides ${JSON.stringify(strides)}; only spatial windows are supported`);
    }
    const padding = paddingOf(context);
    const [filterH, filterW, strideH, strideW] = [ksize[1]!, ksize[2]!, strides[1]!, strides[2]!];
    const shape = [batch, windowOutput(height, filterH, strideH, 1, padding), windowOutput(width, filterW, strideW, 1, padding), channels];
    return { tensor: emit(context, op, [input], shape, { kind: 'pool', padding, strideH, strideW, filterH, filterW, activation: 'NONE' }) };
  };
}

/** Axes of a reduction or concatenation, made non-negative. */
function axes(context: NodeContext, index: number, rank: number): number[] {
  return ints(constantInput(context, index, 'axis')).map((axis) => (axis < 0 ? axis + rank : axis));
}

function reduce(op: 'MEAN' | 'REDUCE_MAX'): NodeLowering {
  return (context) => {
    const input = tensorInput(context, 0);
    const inputShape = shapeOf(context, { tensor: input });
    const axisList = axes(context, 1, inputShape.length);
    if (axisList.includes(0)) throw refuse(context, 'a reduction over the batch axis');
    const keepDims = Boolean(attrBool(context.node, 'keep_dims') ?? attrBool(context.node, 'keepDims'));
    const shape = keepDims ? inputShape.map((dim, axis) => (axisList.includes(axis) ? 1 : dim)) : inputShape.filter((_, axis) => !axisList.includes(axis));
    const axesId = constantTensor(context, 'axes', [axisList.length], Int32Array.from(axisList));
    return { tensor: emit(context, op, [input, axesId], shape, { kind: 'reducer', keepDims }) };
  };
}

/** Pad and PadV2 with a zero fill: PAD with the [rank, 2] amounts. */
const lowerPad: NodeLowering = (context) => {
  const input = tensorInput(context, 0);
  const inputShape = shapeOf(context, { tensor: input });
  const amounts = ints(constantInput(context, 1, 'paddings'));
  if (amounts.length !== inputShape.length * 2) throw refuse(context, `paddings ${JSON.stringify(amounts)} for rank ${inputShape.length}`);
  if (amounts[0] || amounts[1]) throw refuse(context, 'padding of the batch axis');
  if (context.operands[2]) {
    const fill = constantInput(context, 2, 'fill value').values[0];
    if (fill !== 0) throw refuse(context, `a fill value of ${fill}; PAD fills with zeros`);
  }
  const shape = inputShape.map((dim, axis) => dim + amounts[2 * axis]! + amounts[2 * axis + 1]!);
  return { tensor: emit(context, 'PAD', [input, constantTensor(context, 'paddings', [inputShape.length, 2], Int32Array.from(amounts))], shape, { kind: 'pad' }) };
};

/** ConcatV2: the inputs, then the axis as the last input. */
const lowerConcat: NodeLowering = (context) => {
  const parts = context.operands.slice(0, -1);
  const first = parts.find((part) => !isConstant(part));
  if (!first) throw refuse(context, 'no computed input');
  const rank = shapeOf(context, first).length;
  const [axis] = axes(context, context.operands.length - 1, rank) as [number];
  if (axis === 0) throw refuse(context, 'concatenation along the batch axis');
  const shape = [...shapeOf(context, first)];
  shape[axis] = parts.reduce((sum, part) => sum + shapeOf(context, part)[axis]!, 0);
  const inputs = parts.map((part, index) => irInput(context, part, `input_${index}`));
  return { tensor: emit(context, 'CONCATENATION', inputs, shape, { kind: 'concatenation', axis, activation: 'NONE' }) };
};

/** RESHAPE to a static shape; a leading 1 is the batch, left dynamic (-1) as the layers lowering does. */
function reshapeTo(context: NodeContext, input: number, shape: number[]): Operand {
  const inputShape = shapeOf(context, { tensor: input });
  if (count(shape) !== count(inputShape)) throw refuse(context, `a reshape of ${JSON.stringify(inputShape)} (${count(inputShape)} values) to ${JSON.stringify(shape)}`);
  if (shape.length === inputShape.length && shape.every((dim, axis) => dim === inputShape[axis])) return { tensor: input };
  const keepsBatch = shape[0] === inputShape[0];
  const newShape = keepsBatch ? [-1, ...shape.slice(1)] : shape;
  const tensor = emit(context, 'RESHAPE', [input, constantTensor(context, 'shape', [newShape.length], Int32Array.from(newShape))], shape, { kind: 'reshape', newShape });
  if (!keepsBatch) context.graph.tensors[tensor]!.batched = false;
  return { tensor };
}

/** The shape a Reshape asks for, with its one -1 resolved against the batch-1 input. */
export function resolveShape(requested: number[], inputShape: number[]): number[] | undefined {
  const known = requested.filter((dim) => dim !== -1).reduce((a, b) => a * b, 1);
  const unknown = requested.filter((dim) => dim === -1).length;
  if (unknown > 1 || known === 0) return undefined;
  const total = count(inputShape);
  if (unknown === 0) return total === known ? requested : undefined;
  return total % known === 0 ? requested.map((dim) => (dim === -1 ? total / known : dim)) : undefined;
}

const lowerReshape: NodeLowering = (context) => {
  const input = tensorInput(context, 0);
  const requested = ints(constantInput(context, 1, 'shape'));
  const shape = resolveShape(requested, shapeOf(context, { tensor: input }));
  if (!shape) throw refuse(context, `a reshape of ${JSON.stringify(shapeOf(context, { tensor: input }))} to ${JSON.stringify(requested)}`);
  return reshapeTo(context, input, shape);
};

/** Squeeze: the listed axes of size 1 (none listed: every size-1 axis but the batch). */
const lowerSqueeze: NodeLowering = (context) => {
  const input = tensorInput(context, 0);
  const inputShape = shapeOf(context, { tensor: input });
  const listed = (attrInts(context.node, 'squeeze_dims') ?? attrInts(context.node, 'axis') ?? []).map((axis) => (axis < 0 ? axis + inputShape.length : axis));
  const squeezed = listed.length ? listed : inputShape.map((dim, axis) => (dim === 1 && axis > 0 ? axis : -1)).filter((axis) => axis >= 0);
  for (const axis of squeezed) if (inputShape[axis] !== 1) throw refuse(context, `squeezing axis ${axis} of size ${inputShape[axis]}`);
  if (squeezed.includes(0)) throw refuse(context, 'squeezing the batch axis');
  return reshapeTo(context, input, inputShape.filter((_, axis) => !squeezed.includes(axis)));
};

const lowerExpandDims: NodeLowering = (context) => {
  const input = tensorInput(context, 0);
  const inputShape = shapeOf(context, { tensor: input });
  let [axis] = ints(constantInput(context, 1, 'axis')) as [number];
  if (axis < 0) axis += inputShape.length + 1;
  if (axis === 0) throw refuse(context, 'a new axis before the batch');
  return reshapeTo(context, input, [...inputShape.slice(0, axis), 1, ...inputShape.slice(axis)]);
};

const passThrough: NodeLowering = (context) => {
  const operand = context.operands[0];
  if (!operand) throw refuse(context, 'no input');
  return operand;
};

export const GRAPH_OP_LOWERINGS: Record<string, NodeLowering> = {
  Identity: passThrough,
  StopGradient: passThrough,
  Relu: unary('relu'),
  Relu6: unary('relu6'),
  Elu: unary('elu'),
  Sigmoid: unary('sigmoid'),
  Tanh: unary('tanh'),
  LeakyRelu: unary('leakyrelu'),
  Softmax: lowerSoftmax,
  Add: binary('add'),
  AddV2: binary('add'),
  Mul: binary('mul'),
  Sub: binary('sub'),
  RealDiv: binary('div'),
  Maximum: binary('max'),
  Minimum: binary('min'),
  MaxPool: pool('MAX_POOL_2D'),
  AvgPool: pool('AVERAGE_POOL_2D'),
  Mean: reduce('MEAN'),
  Max: reduce('REDUCE_MAX'),
  Pad: lowerPad,
  PadV2: lowerPad,
  ConcatV2: lowerConcat,
  Reshape: lowerReshape,
  Squeeze: lowerSqueeze,
  ExpandDims: lowerExpandDims,
};
