/**
 * Weighted and affine layers: Conv2D, DepthwiseConv2D, SeparableConv2D,
 * Conv2DTranspose, Dense, BatchNormalization, Rescaling. Weights are re-laid
 * out for TFLite; batch normalisation and rescaling come out as MUL + ADD by
 * constants that the passes (passes.ts) fold into the convolution before them.
 */
import { addOp, addTensor } from './graph.ts';
import type { ActivationName } from './schema.ts';
import { withActivation, emitActivation, activationName } from './lower-activation.ts';
import { constant, emit, pair, padding, requireChannelsLast, shapeOf, unsupported, weightsOf, type LayerContext, type Lowering } from './lower-context.ts';

function biasOrZeros(weights: ReturnType<typeof weightsOf>, channels: number): Float32Array {
  return weights.get('bias')?.values ?? new Float32Array(channels);
}

/** Keras and TensorFlow [kh, kw, in, out] → TFLite [out, kh, kw, in] (the graph lowering uses it too). */
export function convFilter(values: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const filter = new Float32Array(values.length);
  for (let y = 0; y < kh!; y++)
    for (let x = 0; x < kw!; x++)
      for (let i = 0; i < cin!; i++)
        for (let o = 0; o < cout!; o++) filter[((o * kh! + y) * kw! + x) * cin! + i] = values[((y * kw! + x) * cin! + i) * cout! + o]!;
  return filter;
}

function dilation(context: LayerContext): [number, number] {
  return pair(context.config.dilationRate ?? 1, 'dilation', context);
}

export const lowerConv2D: Lowering = (context) => {
  requireChannelsLast(context);
  const weights = weightsOf(context.layer);
  const kernel = weights.get('kernel');
  if (!kernel) throw unsupported(context, 'no kernel weight');
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  const [strideH, strideW] = pair(context.config.strides, 'strides', context);
  const [dilationH, dilationW] = dilation(context);
  const name = context.layer.name;
  const filterId = constant(context.graph, `${name}/kernel`, [cout, kh, kw, cin], convFilter(kernel.values, kernel.shape));
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

/**
 * TF.js 4.22's DepthwiseConv2D passes no dilation to its convolution ("TODO: Add
 * support for dilation" in its source): a model trained with a dilation rate
 * runs undilated on the Mobile path. A .tflite that dilates would disagree with
 * the TF.js model, one that does not would disagree with the trained model, so
 * the converter refuses (SeparableConv2D and Conv2D do dilate in TF.js).
 */
function refuseIgnoredDilation(context: LayerContext, rate: unknown): void {
  const [h, w] = Array.isArray(rate) ? rate : [rate ?? 1, rate ?? 1];
  if (h === 1 && w === 1) return;
  throw unsupported(
    context,
    `its dilation rate ${JSON.stringify(rate)} is ignored by TF.js 4.22 (which runs ${context.layer.getClassName()} undilated), so the Mobile model does not compute what was trained and no .tflite can match it; use dilation 1, or a Conv2D/SeparableConv2D, which TF.js dilates`,
  );
}

/** DEPTHWISE_CONV_2D; Keras [kh, kw, in, m] is already TFLite's [1, kh, kw, in × m] in memory (channel c·m + k). */
function emitDepthwise(context: LayerContext, input: number, kernel: { values: Float32Array; shape: number[] }, bias: Float32Array, dilationHW: [number, number], activation: ActivationName, output: number): void {
  const [kh, kw, cin, multiplier] = kernel.shape as [number, number, number, number];
  const [strideH, strideW] = pair(context.config.strides, 'strides', context);
  const name = context.layer.name;
  const channels = cin * multiplier;
  const filterId = constant(context.graph, `${name}/depthwise_kernel`, [1, kh, kw, channels], kernel.values);
  const biasId = constant(context.graph, `${name}/depthwise_bias`, [channels], bias);
  addOp(context.graph, {
    op: 'DEPTHWISE_CONV_2D',
    inputs: [input, filterId, biasId],
    outputs: [output],
    options: { kind: 'depthwise', padding: padding(context), strideH, strideW, dilationH: dilationHW[0], dilationW: dilationHW[1], depthMultiplier: multiplier, activation },
    layer: name,
  });
}

export const lowerDepthwiseConv2D: Lowering = (context) => {
  requireChannelsLast(context);
  refuseIgnoredDilation(context, context.config.dilationRate);
  const weights = weightsOf(context.layer);
  const kernel = weights.get('depthwise_kernel');
  if (!kernel) throw unsupported(context, 'no depthwise_kernel weight');
  const channels = kernel.shape[2]! * kernel.shape[3]!;
  return withActivation(context, (activation, output) => emitDepthwise(context, context.inputs[0]!, kernel, biasOrZeros(weights, channels), [1, 1], activation, output));
};

/** TF.js separableConv2d: a depthwise convolution (strides, padding, dilation) then a 1×1 convolution with the bias. */
export const lowerSeparableConv2D: Lowering = (context) => {
  requireChannelsLast(context);
  const weights = weightsOf(context.layer);
  const depthwise = weights.get('depthwise_kernel');
  const pointwise = weights.get('pointwise_kernel');
  if (!depthwise || !pointwise) throw unsupported(context, 'no depthwise_kernel/pointwise_kernel weights');
  const [kh, kw, cin, multiplier] = depthwise.shape as [number, number, number, number];
  const middle = cin * multiplier;
  const [, , , cout] = pointwise.shape as [number, number, number, number];
  const inputShape = shapeOf(context, context.inputs[0]!);
  const outputHW = context.shape.slice(1, 3);
  const depthwiseOut = addTensor(context.graph, { name: `${context.layer.name}/depthwise`, shape: [inputShape[0]!, outputHW[0]!, outputHW[1]!, middle], dtype: 'float32', batched: true });
  emitDepthwise(context, context.inputs[0]!, { values: depthwise.values, shape: [kh, kw, cin, multiplier] }, new Float32Array(middle), dilation(context), 'NONE', depthwiseOut);
  const name = context.layer.name;
  const filterId = constant(context.graph, `${name}/pointwise_kernel`, [cout, 1, 1, middle], convFilter(pointwise.values, pointwise.shape));
  const biasId = constant(context.graph, `${name}/bias`, [cout], biasOrZeros(weights, cout));
  return withActivation(context, (activation, output) =>
    addOp(context.graph, {
      op: 'CONV_2D',
      inputs: [depthwiseOut, filterId, biasId],
      outputs: [output],
      options: { kind: 'conv', padding: 'VALID', strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, activation },
      layer: name,
    }),
  );
};

/**
 * Conv2DTranspose as TF.js computes it: conv2dTranspose to (batch, deconvLength(h),
 * deconvLength(w), filters), then the bias, then the activation (TFLite 2.9's
 * TRANSPOSE_CONV has no fused activation). TRANSPOSE_CONV takes its output shape as an
 * input; it is a constant with batch 1, because TFLite 2.9's XNNPACK delegate refuses a
 * graph that computes it from the input's shape (the whole interpreter fails to load).
 * So a file with a TRANSPOSE_CONV declares a static batch of 1 (lowerLayersModel), and
 * withBatchSize (reader.ts), which the runtimes here use for batches, sets that constant too.
 */
export const lowerConv2DTranspose: Lowering = (context) => {
  requireChannelsLast(context);
  const ignored = (context.layer as unknown as { dilationRate?: unknown }).dilationRate;
  refuseIgnoredDilation(context, ignored);
  const weights = weightsOf(context.layer);
  const kernel = weights.get('kernel');
  if (!kernel) throw unsupported(context, 'no kernel weight');
  // TF.js [kh, kw, out, in] → TFLite [out, kh, kw, in].
  const [kh, kw, cout, cin] = kernel.shape as [number, number, number, number];
  const filter = new Float32Array(kernel.values.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let o = 0; o < cout; o++)
        for (let i = 0; i < cin; i++) filter[((o * kh + y) * kw + x) * cin + i] = kernel.values[((y * kw + x) * cout + o) * cin + i]!;
  const [strideH, strideW] = pair(context.config.strides, 'strides', context);
  const name = context.layer.name;
  const graph = context.graph;
  const outputShape = constant(graph, `${name}/output_shape`, [4], Int32Array.from(context.shape));
  const filterId = constant(graph, `${name}/kernel`, [cout, kh, kw, cin], filter);
  const biasId = constant(graph, `${name}/bias`, [cout], biasOrZeros(weights, cout));
  const activation = activationName(context);
  const convolved = emit(context, 'TRANSPOSE_CONV', [outputShape, filterId, context.inputs[0]!, biasId], { kind: 'transposeConv', padding: padding(context), strideH, strideW }, activation === 'linear' ? '' : '/linear');
  return emitActivation(context, activation, convolved);
};

export const lowerDense: Lowering = (context) => {
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
  // Dense on a 3-D/4-D tensor applies to the last axis: FULLY_CONNECTED keeps the other dimensions.
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

/** Per-channel y = x·scale + shift as MUL then ADD (either left out when it is the identity). */
function emitScaleShift(context: LayerContext, scale: Float32Array, shift: Float32Array, shape: number[]): number {
  const name = context.layer.name;
  let current = context.inputs[0]!;
  const identityScale = scale.every((value) => value === 1);
  const identityShift = shift.every((value) => value === 0);
  if (!identityScale) current = emit(context, 'MUL', [current, constant(context.graph, `${name}/scale`, shape, scale)], { kind: 'mul', activation: 'NONE' }, identityShift ? '' : '/scaled');
  if (!identityShift) current = emit(context, 'ADD', [current, constant(context.graph, `${name}/shift`, shape, shift)], { kind: 'add', activation: 'NONE' });
  if (identityScale && identityShift) return context.inputs[0]!;
  return current;
}

export const lowerBatchNormalization: Lowering = (context) => {
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
  // A "/scaled" MUL and an ADD even when one is the identity: the passes fold both into the conv before.
  const name = context.layer.name;
  const scaled = emit(context, 'MUL', [context.inputs[0]!, constant(context.graph, `${name}/scale`, [channels], scale)], { kind: 'mul', activation: 'NONE' }, '/scaled');
  return emit(context, 'ADD', [scaled, constant(context.graph, `${name}/shift`, [channels], shift)], { kind: 'add', activation: 'NONE' });
};

/** TF.js Rescaling: x·scale + offset. */
export const lowerRescaling: Lowering = (context) => {
  const scale = Number(context.config.scale ?? 1);
  const offset = Number(context.config.offset ?? 0);
  return emitScaleShift(context, Float32Array.of(scale), Float32Array.of(offset), [1]);
};
