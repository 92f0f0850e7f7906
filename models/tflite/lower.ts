/**
 * Lowering: a TF.js layers model (functional, sequential or nested) becomes a
 * float32 IrGraph, one Keras layer at a time. Weights are re-laid out for
 * TFLite; batch normalisation comes out as per-channel MUL + ADD that the
 * passes (passes.ts) fold into the convolution before it; activations come out
 * as separate ops that the passes fuse. Dropout and friends vanish. Any layer
 * without a faithful lowering is an UnsupportedLayerError naming it.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../harness/core/errors.ts';
import { addOp, addTensor, emptyGraph, type IrGraph, type OpOptions } from './graph.ts';
import type { ActivationName, OpName, PaddingName } from './schema.ts';

/** A layer (or a setting of one) the converter cannot express in TFLite. */
export class UnsupportedLayerError extends UserError {
  override name = 'UnsupportedLayerError';
  constructor(
    readonly layer: string,
    readonly className: string,
    reason = 'this layer class is not supported by the TFLite converter',
  ) {
    super(
      `cannot convert layer "${layer}" (${className}): ${reason}. Supported: ${SUPPORTED_LAYERS.join(', ')}`,
      'LAYER_UNSUPPORTED',
    );
  }
}

/** Layers that exist only for training: at inference they pass their input through. */
const IDENTITY_LAYERS = ['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization'];

type Config = Record<string, unknown>;
type Lowering = (context: LayerContext) => number;

interface LayerContext {
  graph: IrGraph;
  layer: tf.layers.Layer;
  config: Config;
  /** IR tensor ids of the layer's inputs. */
  inputs: number[];
  /** The Keras tensor the layer produces here. */
  output: tf.SymbolicTensor;
  /** Output shape with batch 1. */
  shape: number[];
}

function pair(value: unknown, what: string, context: LayerContext): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((item) => typeof item === 'number')) return [value[0] as number, value[1] as number];
  throw unsupported(context, `unexpected ${what} ${JSON.stringify(value)}`);
}

function unsupported(context: LayerContext, reason?: string): UnsupportedLayerError {
  return new UnsupportedLayerError(context.layer.name, context.layer.getClassName(), reason);
}

/** A static shape with batch 1; a dynamic non-batch dimension cannot be converted. */
function staticShape(shape: tf.Shape, layer: tf.layers.Layer): number[] {
  return shape.map((dim, axis) => {
    if (dim !== null && dim !== undefined) return dim;
    if (axis === 0) return 1;
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `its output shape ${JSON.stringify(shape)} has a dynamic dimension; only the batch may be dynamic`);
  });
}

/** Weights of a layer by their short name (kernel, bias, gamma, …) as Float32Arrays. */
function weightsOf(layer: tf.layers.Layer): Map<string, { values: Float32Array; shape: number[] }> {
  const values = layer.getWeights();
  const map = new Map<string, { values: Float32Array; shape: number[] }>();
  layer.weights.forEach((variable, index) => {
    const short = (variable.originalName ?? variable.name).split('/').pop()!.replace(/_\d+$/, '');
    const tensor = values[index]!;
    map.set(short, { values: Float32Array.from(tensor.dataSync() as Float32Array), shape: tensor.shape });
  });
  return map;
}

function constant(graph: IrGraph, name: string, shape: number[], data: Float32Array | Int32Array): number {
  return addTensor(graph, { name, shape, dtype: data instanceof Int32Array ? 'int32' : 'float32', data });
}

function activationTensor(context: LayerContext, suffix = ''): number {
  return addTensor(context.graph, { name: `${context.layer.name}${suffix}`, shape: context.shape, dtype: 'float32', batched: true });
}

function requireChannelsLast(context: LayerContext): void {
  const format = context.config.dataFormat;
  if (format !== undefined && format !== 'channelsLast') throw unsupported(context, `data format ${String(format)}; only channels-last is supported`);
}

function padding(context: LayerContext): PaddingName {
  const value = context.config.padding;
  if (value === 'same') return 'SAME';
  if (value === 'valid') return 'VALID';
  throw unsupported(context, `padding "${String(value)}"`);
}

/** Keras activation names that fuse into the op before them. */
const FUSABLE: Record<string, ActivationName> = { linear: 'NONE', relu: 'RELU', relu6: 'RELU6' };
/** Keras activation names that become an op of their own. */
const ACTIVATION_OPS: Record<string, OpName> = { relu: 'RELU', relu6: 'RELU6', sigmoid: 'LOGISTIC', tanh: 'TANH', softmax: 'SOFTMAX' };

function activationName(context: LayerContext): string {
  const value = context.config.activation ?? 'linear';
  if (typeof value !== 'string') throw unsupported(context, `activation ${JSON.stringify(value)}`);
  return value;
}

/**
 * Emits the op for a Keras activation on `input`; returns the output tensor.
 * `output` reuses a prepared tensor (the layer's final output) when given.
 */
function emitActivation(context: LayerContext, name: string, input: number, output?: number): number {
  if (name === 'linear') return input;
  const op = ACTIVATION_OPS[name];
  if (!op) throw unsupported(context, `activation "${name}" has no TFLite lowering here (supported: linear, ${Object.keys(ACTIVATION_OPS).join(', ')})`);
  const result = output ?? activationTensor(context);
  const options: OpOptions = op === 'SOFTMAX' ? { kind: 'softmax', beta: 1 } : { kind: 'none' };
  addOp(context.graph, { op, inputs: [input], outputs: [result], options, layer: context.layer.name });
  return result;
}

/** A conv-like op with an optional trailing activation op for non-fusable activations. */
function withActivation(context: LayerContext, emit: (activation: ActivationName, output: number) => void): number {
  const name = activationName(context);
  const fused = FUSABLE[name];
  if (fused) {
    const output = activationTensor(context);
    emit(fused, output);
    return output;
  }
  const linear = activationTensor(context, '/linear');
  emit('NONE', linear);
  return emitActivation(context, name, linear);
}

function biasOrZeros(weights: ReturnType<typeof weightsOf>, channels: number): Float32Array {
  return weights.get('bias')?.values ?? new Float32Array(channels);
}

const lowerConv2D: Lowering = (context) => {
  requireChannelsLast(context);
  const weights = weightsOf(context.layer);
  const kernel = weights.get('kernel');
  if (!kernel) throw unsupported(context, 'no kernel weight');
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  // Keras [kh, kw, in, out] → TFLite [out, kh, kw, in].
  const filter = new Float32Array(kernel.values.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) filter[((o * kh + y) * kw + x) * cin + i] = kernel.values[((y * kw + x) * cin + i) * cout + o]!;
  const [strideH, strideW] = pair(context.config.strides, 'strides', context);
  const [dilationH, dilationW] = pair(context.config.dilationRate ?? 1, 'dilation', context);
  const name = context.layer.name;
  const filterId = constant(context.graph, `${name}/kernel`, [cout, kh, kw, cin], filter);
  const biasId = constant(context.graph, `${name}/bias`, [cout], biasOrZeros(weights, cout));
  const pad = padding(context);
  return withActivation(context, (activation, output) =>
    addOp(context.graph, {
      op: 'CONV_2D',
      inputs: [context.inputs[0]!, filterId, biasId],
      outputs: [output],
      options: { kind: 'conv', padding: pad, strideH, strideW, dilationH, dilationW, activation },
      layer: name,
    }),
  );
};

const lowerDepthwiseConv2D: Lowering = (context) => {
  requireChannelsLast(context);
  const weights = weightsOf(context.layer);
  const kernel = weights.get('depthwise_kernel');
  if (!kernel) throw unsupported(context, 'no depthwise_kernel weight');
  const [kh, kw, cin, multiplier] = kernel.shape as [number, number, number, number];
  // Keras [kh, kw, in, m] is already TFLite's [1, kh, kw, in × m] in memory (channel c·m + k).
  const [strideH, strideW] = pair(context.config.strides, 'strides', context);
  const [dilationH, dilationW] = pair(context.config.dilationRate ?? 1, 'dilation', context);
  const name = context.layer.name;
  const channels = cin * multiplier;
  const filterId = constant(context.graph, `${name}/depthwise_kernel`, [1, kh, kw, channels], kernel.values);
  const biasId = constant(context.graph, `${name}/bias`, [channels], biasOrZeros(weights, channels));
  const pad = padding(context);
  return withActivation(context, (activation, output) =>
    addOp(context.graph, {
      op: 'DEPTHWISE_CONV_2D',
      inputs: [context.inputs[0]!, filterId, biasId],
      outputs: [output],
      options: { kind: 'depthwise', padding: pad, strideH, strideW, dilationH, dilationW, depthMultiplier: multiplier, activation },
      layer: name,
    }),
  );
};

const lowerDense: Lowering = (context) => {
  const weights = weightsOf(context.layer);
  const kernel = weights.get('kernel');
  if (!kernel) throw unsupported(context, 'no kernel weight');
  const [cin, cout] = kernel.shape as [number, number];
  // Keras [in, out] → TFLite [out, in].
  const matrix = new Float32Array(kernel.values.length);
  for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) matrix[o * cin + i] = kernel.values[i * cout + o]!;
  const name = context.layer.name;
  const weightsId = constant(context.graph, `${name}/kernel`, [cout, cin], matrix);
  const biasId = constant(context.graph, `${name}/bias`, [cout], biasOrZeros(weights, cout));
  const keepNumDims = context.shape.length > 2;
  return withActivation(context, (activation, output) =>
    addOp(context.graph, {
      op: 'FULLY_CONNECTED',
      inputs: [context.inputs[0]!, weightsId, biasId],
      outputs: [output],
      options: { kind: 'fullyConnected', activation, keepNumDims },
      layer: name,
    }),
  );
};

/** Per-channel y = x·scale + shift as MUL then ADD; the passes fold both into a preceding convolution. */
function emitScaleShift(context: LayerContext, scale: Float32Array, shift: Float32Array, shape: number[]): number {
  const name = context.layer.name;
  const scaled = activationTensor(context, '/scaled');
  addOp(context.graph, {
    op: 'MUL',
    inputs: [context.inputs[0]!, constant(context.graph, `${name}/scale`, shape, scale)],
    outputs: [scaled],
    options: { kind: 'mul', activation: 'NONE' },
    layer: name,
  });
  const output = activationTensor(context);
  addOp(context.graph, {
    op: 'ADD',
    inputs: [scaled, constant(context.graph, `${name}/shift`, shape, shift)],
    outputs: [output],
    options: { kind: 'add', activation: 'NONE' },
    layer: name,
  });
  return output;
}

const lowerBatchNormalization: Lowering = (context) => {
  const rank = context.shape.length;
  const axis = Number(context.config.axis ?? -1);
  if (axis !== -1 && axis !== rank - 1) throw unsupported(context, `normalisation over axis ${axis}; only the channel (last) axis is supported`);
  const weights = weightsOf(context.layer);
  const mean = weights.get('moving_mean')?.values;
  const variance = weights.get('moving_variance')?.values;
  if (!mean || !variance) throw unsupported(context, 'no moving mean/variance');
  const channels = mean.length;
  const gamma = weights.get('gamma')?.values ?? new Float32Array(channels).fill(1);
  const beta = weights.get('beta')?.values ?? new Float32Array(channels);
  const epsilon = Number(context.config.epsilon ?? 1e-3);
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    // In float64, then rounded once: folding should add no error of its own.
    const s = gamma[c]! / Math.sqrt(variance[c]! + epsilon);
    scale[c] = s;
    shift[c] = beta[c]! - mean[c]! * s;
  }
  return emitScaleShift(context, scale, shift, [channels]);
};

const lowerRescaling: Lowering = (context) => {
  const scale = Number(context.config.scale ?? 1);
  const offset = Number(context.config.offset ?? 0);
  return emitScaleShift(context, Float32Array.of(scale), Float32Array.of(offset), [1]);
};

const lowerReLU: Lowering = (context) => {
  const max = context.config.maxValue;
  if (max === null || max === undefined) return emitActivation(context, 'relu', context.inputs[0]!);
  if (max === 6) return emitActivation(context, 'relu6', context.inputs[0]!);
  throw unsupported(context, `ReLU with max value ${String(max)}; only none or 6 are supported`);
};

const lowerActivation: Lowering = (context) => {
  const name = activationName(context);
  if (name === 'linear') return context.inputs[0]!;
  return emitActivation(context, name, context.inputs[0]!);
};

const lowerSoftmax: Lowering = (context) => {
  const axis = context.config.axis;
  const last = context.shape.length - 1;
  if (axis !== undefined && axis !== -1 && axis !== last && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === last))) {
    throw unsupported(context, `softmax over axis ${JSON.stringify(axis)}; only the last axis is supported`);
  }
  return emitActivation(context, 'softmax', context.inputs[0]!);
};

const lowerZeroPadding2D: Lowering = (context) => {
  requireChannelsLast(context);
  const value = context.config.padding;
  let rows: [number, number];
  let cols: [number, number];
  if (typeof value === 'number') rows = cols = [value, value];
  else if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number') {
    rows = [value[0], value[0]];
    cols = [value[1] as number, value[1] as number];
  } else if (Array.isArray(value) && value.length === 2) {
    rows = pair(value[0], 'padding', context);
    cols = pair(value[1], 'padding', context);
  } else throw unsupported(context, `padding ${JSON.stringify(value)}`);
  const paddings = constant(context.graph, `${context.layer.name}/paddings`, [4, 2], Int32Array.of(0, 0, rows[0], rows[1], cols[0], cols[1], 0, 0));
  const output = activationTensor(context);
  addOp(context.graph, { op: 'PAD', inputs: [context.inputs[0]!, paddings], outputs: [output], options: { kind: 'pad' }, layer: context.layer.name });
  return output;
}

function lowerPool(op: 'MAX_POOL_2D' | 'AVERAGE_POOL_2D'): Lowering {
  return (context) => {
    requireChannelsLast(context);
    const [filterH, filterW] = pair(context.config.poolSize, 'pool size', context);
    const [strideH, strideW] = context.config.strides === null || context.config.strides === undefined ? [filterH, filterW] : pair(context.config.strides, 'strides', context);
    const output = activationTensor(context);
    addOp(context.graph, {
      op,
      inputs: [context.inputs[0]!],
      outputs: [output],
      options: { kind: 'pool', padding: padding(context), strideH, strideW, filterH, filterW, activation: 'NONE' },
      layer: context.layer.name,
    });
    return output;
  };
}

function lowerGlobalPool(op: 'MEAN' | 'REDUCE_MAX'): Lowering {
  return (context) => {
    requireChannelsLast(context);
    const keepDims = Boolean(context.config.keepDims ?? context.config.keepdims ?? false);
    const axes = constant(context.graph, `${context.layer.name}/axes`, [2], Int32Array.of(1, 2));
    const output = activationTensor(context);
    addOp(context.graph, { op, inputs: [context.inputs[0]!, axes], outputs: [output], options: { kind: 'reducer', keepDims }, layer: context.layer.name });
    return output;
  };
}

function emitReshape(context: LayerContext): number {
  const newShape = [-1, ...context.shape.slice(1)];
  const shapeId = constant(context.graph, `${context.layer.name}/shape`, [newShape.length], Int32Array.from(newShape));
  const output = activationTensor(context);
  addOp(context.graph, { op: 'RESHAPE', inputs: [context.inputs[0]!, shapeId], outputs: [output], options: { kind: 'reshape', newShape }, layer: context.layer.name });
  return output;
}

const lowerFlatten: Lowering = (context) => {
  const inputShape = context.graph.tensors[context.inputs[0]!]!.shape;
  if (inputShape.length === 2) return context.inputs[0]!;
  return emitReshape(context);
};

function lowerElementwise(op: 'ADD' | 'MUL'): Lowering {
  return (context) => {
    if (context.inputs.length < 2) throw unsupported(context, 'needs at least two inputs');
    const shapes = context.inputs.map((id) => context.graph.tensors[id]!.shape.join('x'));
    if (new Set(shapes).size > 1) throw unsupported(context, `inputs of different shapes (${shapes.join(', ')}); broadcasting merges are not supported`);
    let current = context.inputs[0]!;
    context.inputs.slice(1).forEach((next, index) => {
      const last = index === context.inputs.length - 2;
      const output = activationTensor(context, last ? '' : `/partial${index}`);
      addOp(context.graph, {
        op,
        inputs: [current, next],
        outputs: [output],
        options: op === 'ADD' ? { kind: 'add', activation: 'NONE' } : { kind: 'mul', activation: 'NONE' },
        layer: context.layer.name,
      });
      current = output;
    });
    return current;
  };
}

const lowerConcatenate: Lowering = (context) => {
  const rank = context.shape.length;
  const axis = Number(context.config.axis ?? -1);
  const output = activationTensor(context);
  addOp(context.graph, {
    op: 'CONCATENATION',
    inputs: [...context.inputs],
    outputs: [output],
    options: { kind: 'concatenation', axis: axis < 0 ? rank + axis : axis, activation: 'NONE' },
    layer: context.layer.name,
  });
  return output;
};

const LOWERINGS: Record<string, Lowering> = {
  Conv2D: lowerConv2D,
  DepthwiseConv2D: lowerDepthwiseConv2D,
  Dense: lowerDense,
  BatchNormalization: lowerBatchNormalization,
  Rescaling: lowerRescaling,
  ReLU: lowerReLU,
  Activation: lowerActivation,
  Softmax: lowerSoftmax,
  ZeroPadding2D: lowerZeroPadding2D,
  MaxPooling2D: lowerPool('MAX_POOL_2D'),
  AveragePooling2D: lowerPool('AVERAGE_POOL_2D'),
  GlobalAveragePooling2D: lowerGlobalPool('MEAN'),
  GlobalMaxPooling2D: lowerGlobalPool('REDUCE_MAX'),
  Flatten: lowerFlatten,
  Reshape: emitReshape,
  Add: lowerElementwise('ADD'),
  Multiply: lowerElementwise('MUL'),
  Concatenate: lowerConcatenate,
};

export const SUPPORTED_LAYERS = ['InputLayer', ...Object.keys(LOWERINGS), ...IDENTITY_LAYERS, 'nested models'];

function isModel(layer: tf.layers.Layer): layer is tf.LayersModel {
  return layer instanceof tf.LayersModel;
}

/**
 * Lowers the Keras graph of `model` into `graph`. `inputIds` are the IR
 * tensors standing for the model's inputs; returns the IR ids of its outputs.
 */
function lowerModel(graph: IrGraph, model: tf.LayersModel, inputIds: number[]): number[] {
  const ids = new Map<number, number>();
  model.inputs.forEach((input, index) => ids.set(input.id, inputIds[index]!));

  const visit = (tensor: tf.SymbolicTensor): number => {
    const known = ids.get(tensor.id);
    if (known !== undefined) return known;
    const layer = tensor.sourceLayer;
    const className = layer.getClassName();
    if (className === 'InputLayer') throw new UnsupportedLayerError(layer.name, className, 'an input that is not an input of the model being converted');
    const inputs = tensor.inputs.map(visit);
    let id: number;
    if (isModel(layer)) {
      const outputs = lowerModel(graph, layer, inputs);
      id = outputs[tensor.outputTensorIndex ?? tensor.tensorIndex ?? 0]!;
    } else if (IDENTITY_LAYERS.includes(className)) {
      id = inputs[0]!;
    } else {
      const lowering = LOWERINGS[className];
      if (!lowering) throw new UnsupportedLayerError(layer.name, className);
      const context: LayerContext = { graph, layer, config: layer.getConfig() as Config, inputs, output: tensor, shape: staticShape(tensor.shape, layer) };
      id = lowering(context);
    }
    ids.set(tensor.id, id);
    return id;
  };
  return model.outputs.map(visit);
}

export interface LoweredGraph {
  graph: IrGraph;
  inputShape: number[];
}

/** The float32 graph of a layers model with one image input, before the passes. */
export function lowerLayersModel(model: tf.LayersModel): LoweredGraph {
  if (model.inputs.length !== 1) throw new UserError(`the converter supports models with one input; ${model.name} has ${model.inputs.length}`, 'MODEL_INPUTS');
  const graph = emptyGraph();
  const input = model.inputs[0]!;
  const inputShape = staticShape(input.shape, input.sourceLayer);
  const inputId = addTensor(graph, { name: 'image', shape: inputShape, dtype: 'float32', batched: true });
  graph.inputs = [inputId];
  graph.outputs = lowerModel(graph, model, [inputId]);
  graph.outputs.forEach((id, index) => {
    if (id === inputId) throw new UserError(`output ${index} of ${model.name} is its input unchanged; nothing to convert`, 'MODEL_TRIVIAL');
    graph.tensors[id]!.name = graph.outputs.length === 1 ? 'probabilities' : `output_${index}`;
  });
  return { graph, inputShape };
}
