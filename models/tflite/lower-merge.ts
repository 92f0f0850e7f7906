/**
 * Merge layers: Add, Multiply, Maximum, Minimum, Average, Concatenate. TF.js
 * merges inputs of different shapes by broadcasting, after expanding a
 * lower-rank input at axis 1 until the ranks match (squeeze-and-excite:
 * [N,H,W,C] × [N,1,1,C], or × [N,C]); the lowering does the same expansion
 * with a RESHAPE, and the element-wise ops broadcast.
 */
import { emit, unsupported, type LayerContext, type Lowering } from './lower-context.ts';
import { constant } from './lower-context.ts';
import type { OpOptions } from './graph.ts';
import type { OpName } from './schema.ts';

/** numpy-style broadcast of two shapes of equal rank; undefined when they do not broadcast. */
export function broadcastShapes(a: number[], b: number[]): number[] | undefined {
  if (a.length !== b.length) return undefined;
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i] || b[i] === 1) out.push(a[i]!);
    else if (a[i] === 1) out.push(b[i]!);
    else return undefined;
  }
  return out;
}

/** The inputs at one rank: TF.js expands lower-rank inputs at axis 1 (after the batch). */
function sameRank(context: LayerContext): number[] {
  const shapes = context.inputs.map((id) => context.graph.tensors[id]!.shape);
  const rank = Math.max(...shapes.map((shape) => shape.length));
  return context.inputs.map((id, index) => {
    const shape = shapes[index]!;
    if (shape.length === rank) return id;
    const expanded = [shape[0]!, ...new Array<number>(rank - shape.length).fill(1), ...shape.slice(1)];
    const newShape = [-1, ...expanded.slice(1)];
    const shapeId = constant(context.graph, `${context.layer.name}/expand_${index}`, [newShape.length], Int32Array.from(newShape));
    return emit(context, 'RESHAPE', [id, shapeId], { kind: 'reshape', newShape }, `/expanded_${index}`, expanded);
  });
}

/** A left-to-right chain of a binary op over the inputs, as TF.js's merge functions compute it. */
function chain(context: LayerContext, op: OpName, options: OpOptions, finalSuffix = ''): number {
  if (context.inputs.length < 2) throw unsupported(context, 'needs at least two inputs');
  const inputs = sameRank(context);
  let current = inputs[0]!;
  let shape = context.graph.tensors[current]!.shape;
  inputs.slice(1).forEach((next, index) => {
    const nextShape = context.graph.tensors[next]!.shape;
    const merged = broadcastShapes(shape, nextShape);
    if (!merged) throw unsupported(context, `inputs of shapes ${JSON.stringify(shape)} and ${JSON.stringify(nextShape)} do not broadcast`);
    const last = index === inputs.length - 2;
    current = emit(context, op, [current, next], options, last ? finalSuffix : `/partial_${index}`, merged);
    shape = merged;
  });
  return current;
}

export const lowerAdd: Lowering = (context) => chain(context, 'ADD', { kind: 'add', activation: 'NONE' });
export const lowerMultiply: Lowering = (context) => chain(context, 'MUL', { kind: 'mul', activation: 'NONE' });
export const lowerMaximum: Lowering = (context) => chain(context, 'MAXIMUM', { kind: 'none' });
export const lowerMinimum: Lowering = (context) => chain(context, 'MINIMUM', { kind: 'none' });

/** TF.js Average: the sum, then × 1/n. */
export const lowerAverage: Lowering = (context) => {
  const sum = chain(context, 'ADD', { kind: 'add', activation: 'NONE' }, '/sum');
  const reciprocal = constant(context.graph, `${context.layer.name}/reciprocal`, [1], Float32Array.of(1 / context.inputs.length));
  return emit(context, 'MUL', [sum, reciprocal], { kind: 'mul', activation: 'NONE' });
};

export const lowerConcatenate: Lowering = (context) => {
  const rank = context.shape.length;
  const axis = Number(context.config.axis ?? -1);
  return emit(context, 'CONCATENATION', [...context.inputs], { kind: 'concatenation', axis: axis < 0 ? rank + axis : axis, activation: 'NONE' });
};
