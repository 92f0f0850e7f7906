/**
 * Lowering: a TF.js layers model (functional, sequential or nested) becomes a
 * float32 IrGraph, one Keras layer at a time, through the LOWERINGS table
 * (layer class → lowering). Each lowering computes what TF.js 4.22 computes
 * for that layer; a layer (or a setting) without a faithful lowering is an
 * UnsupportedLayerError naming it. Dropout and friends vanish.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../harness/core/errors.ts';
import { addTensor, emptyGraph, type IrGraph } from './graph.ts';
import { lowerActivation, lowerELU, lowerLeakyReLU, lowerPReLU, lowerReLU, lowerSoftmax } from './lower-activation.ts';
import { UnsupportedLayerError, type Config, type LayerContext, type Lowering } from './lower-context.ts';
import { lowerBatchNormalization, lowerConv2D, lowerConv2DTranspose, lowerDense, lowerDepthwiseConv2D, lowerRescaling, lowerSeparableConv2D } from './lower-conv.ts';
import { lowerAdd, lowerAverage, lowerConcatenate, lowerMaximum, lowerMinimum, lowerMultiply } from './lower-merge.ts';
import { lowerCropping2D, lowerFlatten, lowerGlobalPool, lowerPermute, lowerPool, lowerReshape, lowerUpSampling2D, lowerZeroPadding2D } from './lower-shape.ts';

export { UnsupportedLayerError };

/** Layers that exist only for training: at inference they pass their input through. */
const IDENTITY_LAYERS = ['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization'];

const LOWERINGS: Record<string, Lowering> = {
  Conv2D: lowerConv2D,
  DepthwiseConv2D: lowerDepthwiseConv2D,
  SeparableConv2D: lowerSeparableConv2D,
  Conv2DTranspose: lowerConv2DTranspose,
  Dense: lowerDense,
  BatchNormalization: lowerBatchNormalization,
  Rescaling: lowerRescaling,
  Activation: lowerActivation,
  ReLU: lowerReLU,
  LeakyReLU: lowerLeakyReLU,
  PReLU: lowerPReLU,
  ELU: lowerELU,
  Softmax: lowerSoftmax,
  ZeroPadding2D: lowerZeroPadding2D,
  Cropping2D: lowerCropping2D,
  UpSampling2D: lowerUpSampling2D,
  MaxPooling2D: lowerPool('MAX_POOL_2D'),
  AveragePooling2D: lowerPool('AVERAGE_POOL_2D'),
  GlobalAveragePooling2D: lowerGlobalPool('MEAN'),
  GlobalMaxPooling2D: lowerGlobalPool('REDUCE_MAX'),
  Flatten: lowerFlatten,
  Reshape: lowerReshape,
  Permute: lowerPermute,
  Add: lowerAdd,
  Multiply: lowerMultiply,
  Maximum: lowerMaximum,
  Minimum: lowerMinimum,
  Average: lowerAverage,
  Concatenate: lowerConcatenate,
};

export const SUPPORTED_LAYERS = ['InputLayer', ...Object.keys(LOWERINGS), ...IDENTITY_LAYERS, 'nested models'];

function isModel(layer: tf.layers.Layer): layer is tf.LayersModel {
  return layer instanceof tf.LayersModel;
}

/** A static shape with batch 1; a dynamic non-batch dimension cannot be converted. */
function staticShape(shape: tf.Shape, layer: tf.layers.Layer): number[] {
  return shape.map((dim, axis) => {
    if (dim !== null && dim !== undefined) return dim;
    if (axis === 0) return 1;
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `its output shape ${JSON.stringify(shape)} has a dynamic dimension; only the batch may be dynamic`);
  });
}

/**
 * The layer's output shape with batch 1. TF.js leaves a dimension unknown (null)
 * where it cannot infer it symbolically (a Reshape to -1, and every layer after it);
 * the layer's own shape function on the concrete input shapes then gives it.
 */
function outputShape(tensor: tf.SymbolicTensor, layer: tf.layers.Layer, inputShapes: number[][]): number[] {
  if (tensor.shape.slice(1).every((dim) => dim !== null && dim !== undefined)) return staticShape(tensor.shape, layer);
  let computed: tf.Shape | tf.Shape[];
  try {
    computed = layer.computeOutputShape(inputShapes.length === 1 ? inputShapes[0]! : inputShapes);
  } catch {
    computed = tensor.shape;
  }
  const shape = Array.isArray(computed[0]) ? (computed as tf.Shape[])[tensor.tensorIndex ?? 0]! : (computed as tf.Shape);
  return staticShape(shape, layer);
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
      if (!lowering) throw new UnsupportedLayerError(layer.name, className, undefined, SUPPORTED_LAYERS);
      const shape = outputShape(tensor, layer, inputs.map((input) => graph.tensors[input]!.shape));
      const context: LayerContext = { graph, layer, config: layer.getConfig() as Config, inputs, shape };
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
  // TRANSPOSE_CONV's output shape is a batch-1 constant (lower-conv.ts): the file must not claim a
  // dynamic batch that a runtime resizing the input would then compute wrongly.
  if (graph.ops.some((op) => op.op === 'TRANSPOSE_CONV')) for (const tensor of graph.tensors) tensor.batched = false;
  return { graph, inputShape };
}
