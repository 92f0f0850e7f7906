/**
 * What every layer lowering shares: the context it is called with, the error
 * it throws when it cannot be faithful, and small helpers that add constants,
 * activation tensors and ops to the graph.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../harness/core/errors.ts';
import { addOp, addTensor, type IrGraph, type OpOptions } from './graph.ts';
import type { OpName, PaddingName } from './schema.ts';

/** A layer (or a setting of one) the converter cannot express in TFLite. */
export class UnsupportedLayerError extends UserError {
  override name = 'UnsupportedLayerError';
  constructor(
    readonly layer: string,
    readonly className: string,
    reason = 'this layer class is not supported by the TFLite converter',
    /** Listed in the message when the class itself is unknown to the converter. */
    supported?: readonly string[],
  ) {
    super(`cannot convert layer "${layer}" (${className}): ${reason}${supported ? `. Supported: ${supported.join(', ')}` : ''}`, 'LAYER_UNSUPPORTED');
  }
}

export type Config = Record<string, unknown>;

export interface LayerContext {
  graph: IrGraph;
  layer: tf.layers.Layer;
  config: Config;
  /** IR tensor ids of the layer's inputs. */
  inputs: number[];
  /** Output shape with batch 1. */
  shape: number[];
}

/** Lowers one Keras layer; returns the IR tensor id of its output. */
export type Lowering = (context: LayerContext) => number;

export function unsupported(context: LayerContext, reason?: string): UnsupportedLayerError {
  return new UnsupportedLayerError(context.layer.name, context.layer.getClassName(), reason);
}

export function pair(value: unknown, what: string, context: LayerContext): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((item) => typeof item === 'number')) return [value[0] as number, value[1] as number];
  throw unsupported(context, `unexpected ${what} ${JSON.stringify(value)}`);
}

/** Weights of a layer by their short name (kernel, bias, gamma, …) as Float32Arrays. */
export function weightsOf(layer: tf.layers.Layer): Map<string, { values: Float32Array; shape: number[] }> {
  const values = layer.getWeights();
  const map = new Map<string, { values: Float32Array; shape: number[] }>();
  layer.weights.forEach((variable, index) => {
    const short = (variable.originalName ?? variable.name).split('/').pop()!.replace(/_\d+$/, '');
    const tensor = values[index]!;
    map.set(short, { values: Float32Array.from(tensor.dataSync() as Float32Array), shape: tensor.shape });
  });
  return map;
}

export function constant(graph: IrGraph, name: string, shape: number[], data: Float32Array | Int32Array): number {
  return addTensor(graph, { name, shape, dtype: data instanceof Int32Array ? 'int32' : 'float32', data });
}

/** A float scalar constant (shape [1]), for element-wise ops that broadcast it. */
export function scalar(context: LayerContext, suffix: string, value: number): number {
  return constant(context.graph, `${context.layer.name}/${suffix}`, [1], Float32Array.of(value));
}

/** A new float activation tensor of the layer's output shape (or `shape`). */
export function activationTensor(context: LayerContext, suffix = '', shape = context.shape): number {
  return addTensor(context.graph, { name: `${context.layer.name}${suffix}`, shape, dtype: 'float32', batched: true });
}

/** Adds one op of this layer writing a new activation tensor (named `layer<suffix>`); returns that tensor. */
export function emit(context: LayerContext, op: OpName, inputs: number[], options: OpOptions = { kind: 'none' }, suffix = '', shape = context.shape): number {
  const output = activationTensor(context, suffix, shape);
  addOp(context.graph, { op, inputs, outputs: [output], options, layer: context.layer.name });
  return output;
}

export function requireChannelsLast(context: LayerContext): void {
  const format = context.config.dataFormat;
  if (format !== undefined && format !== null && format !== 'channelsLast') throw unsupported(context, `data format ${String(format)}; only channels-last is supported`);
}

export function padding(context: LayerContext): PaddingName {
  const value = context.config.padding;
  if (value === 'same') return 'SAME';
  if (value === 'valid') return 'VALID';
  throw unsupported(context, `padding "${String(value)}"`);
}

export function shapeOf(context: LayerContext, tensor: number): number[] {
  return context.graph.tensors[tensor]!.shape;
}
