/**
 * What every GraphDef node lowering shares: its context (the node, its
 * operands, the IR graph), the error it throws when it cannot be faithful,
 * and helpers that add constants and ops. An operand is either an IR
 * activation tensor or a constant still held as plain data (a weight, a
 * shape, an axis), turned into an IR constant only when an op reads it.
 */
import { UserError } from '../../harness/core/errors.ts';
import { addOp, addTensor, elementCount, type IrGraph, type OpOptions } from './graph.ts';
import { attrString, type Constant, type GraphNode } from './graph-def.ts';
import type { OpName, PaddingName } from './schema.ts';

/** A GraphDef node (or a setting of one) the converter cannot express in TFLite. */
export class UnsupportedNodeError extends UserError {
  override name = 'UnsupportedNodeError';
  constructor(
    readonly node: string,
    readonly op: string,
    readonly reason: string,
    /** Where the node is: its chain of ops from the input, filled in by the driver. */
    readonly where = '',
  ) {
    super(`cannot convert node "${node}" (${op})${where ? ` ${where}` : ''}: ${reason}`, 'NODE_UNSUPPORTED');
  }
}

export type Operand = { tensor: number } | { constant: Constant };

export interface NodeContext {
  graph: IrGraph;
  node: GraphNode;
  operands: Operand[];
}

/** Lowers one node; returns its output (an IR tensor, or a constant when it folds). */
export type NodeLowering = (context: NodeContext) => Operand;

export function refuse(context: NodeContext, reason: string): UnsupportedNodeError {
  return new UnsupportedNodeError(context.node.name, context.node.op, reason);
}

export function isConstant(operand: Operand | undefined): operand is { constant: Constant } {
  return operand !== undefined && 'constant' in operand;
}

/** The operand at `index` as an IR activation tensor id; a constant there is refused. */
export function tensorInput(context: NodeContext, index: number): number {
  const operand = context.operands[index];
  if (!operand) throw refuse(context, `input ${index} is missing`);
  if (isConstant(operand)) throw refuse(context, `input ${index} is a constant where the converter needs a computed tensor`);
  return operand.tensor;
}

/** The operand at `index` as constant data; a computed tensor there is refused (the converter needs it at conversion time). */
export function constantInput(context: NodeContext, index: number, what: string): Constant {
  const operand = context.operands[index];
  if (!isConstant(operand)) throw refuse(context, `its ${what} (input ${index}) is computed at run time; the converter needs it constant`);
  return operand.constant;
}

export function shapeOf(context: NodeContext, operand: Operand): number[] {
  return isConstant(operand) ? operand.constant.shape : context.graph.tensors[operand.tensor]!.shape;
}

/** The IR id of an operand, adding a float (or int32) constant tensor for constant data. */
export function irInput(context: NodeContext, operand: Operand, suffix: string, shape?: number[]): number {
  if (!isConstant(operand)) return operand.tensor;
  const { values } = operand.constant;
  const irShape = shape ?? (operand.constant.shape.length === 0 ? [1] : operand.constant.shape);
  return constantTensor(context, suffix, irShape, values);
}

export function constantTensor(context: NodeContext, suffix: string, shape: number[], values: Float32Array | Int32Array): number {
  return addTensor(context.graph, { name: `${context.node.name}/${suffix}`, shape, dtype: values instanceof Int32Array ? 'int32' : 'float32', data: values });
}

/** A new float activation tensor of `shape` (batch first), named after the node. */
export function activationTensor(context: NodeContext, shape: number[], suffix = ''): number {
  return addTensor(context.graph, { name: `${context.node.name}${suffix}`, shape, dtype: 'float32', batched: true });
}

/** Adds one op writing a new activation tensor; returns it. */
export function emit(context: NodeContext, op: OpName, inputs: number[], shape: number[], options: OpOptions = { kind: 'none' }, suffix = ''): number {
  const output = activationTensor(context, shape, suffix);
  addOp(context.graph, { op, inputs, outputs: [output], options, layer: context.node.name });
  return output;
}

export function requireNhwc(context: NodeContext): void {
  const format = attrString(context.node, 'data_format');
  if (format !== undefined && format !== 'NHWC') throw refuse(context, `data format ${format}; only NHWC is supported`);
}

export function paddingOf(context: NodeContext): PaddingName {
  const value = attrString(context.node, 'padding');
  if (value === 'SAME') return 'SAME';
  if (value === 'VALID') return 'VALID';
  throw refuse(context, `padding ${JSON.stringify(value)}; SAME and VALID are supported`);
}

/** TensorFlow's output size of a window op along one axis. */
export function windowOutput(size: number, filter: number, stride: number, dilation: number, padding: PaddingName): number {
  const effective = (filter - 1) * dilation + 1;
  return padding === 'SAME' ? Math.ceil(size / stride) : Math.ceil((size - effective + 1) / stride);
}

/** A constant's values as plain integers (axes, shapes, paddings). */
export function ints(constant: Constant): number[] {
  return Array.from(constant.values, Number);
}

export function count(shape: number[]): number {
  return elementCount(shape);
}
