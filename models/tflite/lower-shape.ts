/**
 * Layers that move or pick values without weights: padding, pooling,
 * reshaping, permuting, cropping and up-sampling.
 */
import { constant, emit, pair, padding, requireChannelsLast, shapeOf, unsupported, type Lowering } from './lower-context.ts';

/**
 * Keras' (top, bottom), (left, right) amounts of ZeroPadding2D and Cropping2D:
 * one number for all four, one number per axis, or a pair per axis.
 */
function rowsAndCols(context: Parameters<Lowering>[0], key: 'padding' | 'cropping'): [[number, number], [number, number]] {
  const value = context.config[key];
  if (typeof value === 'number') return [[value, value], [value, value]];
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number') return [[value[0], value[0]], [value[1] as number, value[1] as number]];
  if (Array.isArray(value) && value.length === 2) return [pair(value[0], key, context), pair(value[1], key, context)];
  throw unsupported(context, `${key} ${JSON.stringify(value)}`);
}

export const lowerZeroPadding2D: Lowering = (context) => {
  requireChannelsLast(context);
  const [rows, cols] = rowsAndCols(context, 'padding');
  const paddings = constant(context.graph, `${context.layer.name}/paddings`, [4, 2], Int32Array.of(0, 0, rows[0], rows[1], cols[0], cols[1], 0, 0));
  return emit(context, 'PAD', [context.inputs[0]!, paddings], { kind: 'pad' });
};

export function lowerPool(op: 'MAX_POOL_2D' | 'AVERAGE_POOL_2D'): Lowering {
  return (context) => {
    requireChannelsLast(context);
    const [filterH, filterW] = pair(context.config.poolSize, 'pool size', context);
    const [strideH, strideW] = context.config.strides === null || context.config.strides === undefined ? [filterH, filterW] : pair(context.config.strides, 'strides', context);
    return emit(context, op, [context.inputs[0]!], { kind: 'pool', padding: padding(context), strideH, strideW, filterH, filterW, activation: 'NONE' });
  };
}

export function lowerGlobalPool(op: 'MEAN' | 'REDUCE_MAX'): Lowering {
  return (context) => {
    requireChannelsLast(context);
    const keepDims = Boolean(context.config.keepDims ?? context.config.keepdims ?? false);
    const axes = constant(context.graph, `${context.layer.name}/axes`, [2], Int32Array.of(1, 2));
    return emit(context, op, [context.inputs[0]!, axes], { kind: 'reducer', keepDims });
  };
}

/** RESHAPE to the layer's static output shape, the batch left dynamic (-1). */
export const lowerReshape: Lowering = (context) => {
  const newShape = [-1, ...context.shape.slice(1)];
  const shapeId = constant(context.graph, `${context.layer.name}/shape`, [newShape.length], Int32Array.from(newShape));
  return emit(context, 'RESHAPE', [context.inputs[0]!, shapeId], { kind: 'reshape', newShape });
};

export const lowerFlatten: Lowering = (context) => {
  if (shapeOf(context, context.inputs[0]!).length === 2) return context.inputs[0]!;
  return lowerReshape(context);
};

/** Permute(dims): dims are 1-based and leave the batch where it is; TRANSPOSE with [0, ...dims]. */
export const lowerPermute: Lowering = (context) => {
  const dims = context.config.dims;
  const rank = context.shape.length;
  if (!Array.isArray(dims) || dims.length !== rank - 1 || !dims.every((dim) => typeof dim === 'number')) throw unsupported(context, `dims ${JSON.stringify(dims)}`);
  if (rank > 4) throw unsupported(context, `a permutation of ${rank} dimensions; TFLite 2.9 kernels take at most 4`);
  const perm = [0, ...(dims as number[])];
  const permId = constant(context.graph, `${context.layer.name}/perm`, [rank], Int32Array.from(perm));
  return emit(context, 'TRANSPOSE', [context.inputs[0]!, permId], { kind: 'transpose' });
};

/** Cropping2D: SLICE from (top, left) of the cropped height and width; batch and channels whole (-1). */
export const lowerCropping2D: Lowering = (context) => {
  requireChannelsLast(context);
  const [rows, cols] = rowsAndCols(context, 'cropping');
  const [, height, width] = context.shape as [number, number, number, number];
  const begin = constant(context.graph, `${context.layer.name}/begin`, [4], Int32Array.of(0, rows[0], cols[0], 0));
  const size = constant(context.graph, `${context.layer.name}/size`, [4], Int32Array.of(-1, height, width, -1));
  return emit(context, 'SLICE', [context.inputs[0]!, begin, size]);
};

/**
 * UpSampling2D: TF.js resizes to (size·h, size·w) with resizeNearestNeighbor or
 * resizeBilinear, both with alignCorners and halfPixelCenters false: the
 * RESIZE_* ops with the same two options.
 */
export const lowerUpSampling2D: Lowering = (context) => {
  requireChannelsLast(context);
  const interpolation = context.config.interpolation ?? 'nearest';
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') throw unsupported(context, `interpolation "${String(interpolation)}"`);
  const [, height, width] = context.shape as [number, number, number, number];
  const size = constant(context.graph, `${context.layer.name}/size`, [2], Int32Array.of(height, width));
  const op = interpolation === 'nearest' ? 'RESIZE_NEAREST_NEIGHBOR' : 'RESIZE_BILINEAR';
  return emit(context, op, [context.inputs[0]!, size], { kind: 'resize', alignCorners: false, halfPixelCenters: false });
};

