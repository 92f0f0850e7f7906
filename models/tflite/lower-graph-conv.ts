/**
 * GraphDef nodes with weights: Conv2D, DepthwiseConv2dNative, MatMul, the
 * fused forms tensorflowjs_converter writes (_FusedConv2D,
 * FusedDepthwiseConv2dNative, _FusedMatMul: a bias and an activation folded
 * in), BiasAdd and FusedBatchNorm. Each computes what TF.js 4.22 computes for
 * the node; weights are re-laid out for TFLite as the layers lowering does.
 */
import { addOp } from './graph.ts';
import { attrBool, attrInts, attrNumber, attrStrings } from './graph-def.ts';
import {
  activationTensor,
  constantInput,
  constantTensor,
  emit,
  irInput,
  paddingOf,
  refuse,
  requireNhwc,
  shapeOf,
  tensorInput,
  windowOutput,
  type NodeContext,
  type NodeLowering,
} from './lower-graph-context.ts';
import type { ActivationName, PaddingName } from './schema.ts';
import { convFilter } from './lower-conv.ts';

/** TF.js's fused activations that TFLite fuses into the op itself. */
const FUSED: Record<string, ActivationName> = { '': 'NONE', relu: 'RELU', relu6: 'RELU6' };

/**
 * An activation node (or a fused op's activation) as TFLite ops on `input`;
 * `alpha` is LeakyRelu's slope or Prelu's constant slopes.
 */
export function emitActivation(context: NodeContext, name: string, input: number, shape: number[], alpha?: { leaky?: number; prelu?: number }, suffix = ''): number {
  switch (name) {
    case 'relu':
      return emit(context, 'RELU', [input], shape, { kind: 'none' }, suffix);
    case 'relu6':
      return emit(context, 'RELU6', [input], shape, { kind: 'none' }, suffix);
    case 'elu':
      return emit(context, 'ELU', [input], shape, { kind: 'none' }, suffix);
    case 'sigmoid':
      return emit(context, 'LOGISTIC', [input], shape, { kind: 'none' }, suffix);
    case 'tanh':
      return emit(context, 'TANH', [input], shape, { kind: 'none' }, suffix);
    case 'leakyrelu':
      return emit(context, 'LEAKY_RELU', [input], shape, { kind: 'leakyRelu', alpha: alpha?.leaky ?? 0.2 }, suffix);
    case 'prelu':
      if (alpha?.prelu === undefined) throw refuse(context, 'a Prelu activation without its slopes');
      return emit(context, 'PRELU', [input, alpha.prelu], shape, { kind: 'none' }, suffix);
    default:
      throw refuse(context, `fused activation "${name}" has no TFLite lowering here (supported: relu, relu6, elu, sigmoid, tanh, leakyrelu, prelu)`);
  }
}

interface Fusion {
  /** The bias (zeros when the node has none). */
  bias: Float32Array;
  activation: string;
  /** Prelu's slopes as an IR constant. */
  prelu?: number;
  leaky?: number;
}

/**
 * The fused_ops of a _Fused* node as TF.js reads them: [extra, activation], the
 * extra op a BiasAdd whose bias is the first arg (any other extra op is no bias,
 * and TF.js then takes the first arg for Prelu's slopes); the activation is
 * always the second entry (linear when absent).
 */
function fusionOf(context: NodeContext, channels: number): Fusion {
  const node = context.node;
  const [extra, activation = ''] = attrStrings(node, 'fused_ops').map((op) => op.toLowerCase());
  if (extra === 'fusedbatchnorm') throw refuse(context, 'a convolution fused with FusedBatchNorm, which TF.js 4.22 itself refuses to run (so there is no TF.js model to match)');
  let bias = new Float32Array(channels);
  let slopes = 2;
  if (extra === 'biasadd') {
    const values = constantInput(context, 2, 'bias').values;
    if (values.length !== channels) throw refuse(context, `a bias of ${values.length} values for ${channels} channels`);
    bias = Float32Array.from(values);
    slopes = 3;
  }
  const fusion: Fusion = { bias, activation };
  if (activation === 'prelu') {
    const alpha = constantInput(context, slopes, 'Prelu slopes');
    fusion.prelu = constantTensor(context, 'prelu_alpha', alpha.shape.length ? alpha.shape : [1], Float32Array.from(alpha.values));
  }
  if (activation === 'leakyrelu') fusion.leaky = attrNumber(node, 'leakyrelu_alpha') ?? 0.2;
  return fusion;
}

/** The op with its activation fused when TFLite can, else followed by the activation's op. */
function withFusion(context: NodeContext, fusion: Fusion, shape: number[], emitLinear: (activation: ActivationName, output: number) => void): number {
  const fused = FUSED[fusion.activation];
  if (fused) {
    const output = activationTensor(context, shape);
    emitLinear(fused, output);
    return output;
  }
  const linear = activationTensor(context, shape, '/linear');
  emitLinear('NONE', linear);
  return emitActivation(context, fusion.activation, linear, shape, { ...(fusion.leaky !== undefined ? { leaky: fusion.leaky } : {}), ...(fusion.prelu !== undefined ? { prelu: fusion.prelu } : {}) });
}

interface Window {
  input: number;
  padding: PaddingName;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  height: number;
  width: number;
}

/** Strides, dilations and padding of a convolution; EXPLICIT padding becomes a PAD before a VALID op. */
function windowOf(context: NodeContext, kh: number, kw: number): Window {
  requireNhwc(context);
  const strides = attrInts(context.node, 'strides') ?? [1, 1, 1, 1];
  const dilations = attrInts(context.node, 'dilations') ?? [1, 1, 1, 1];
  if (strides.length !== 4 || strides[0] !== 1 || strides[3] !== 1) throw refuse(context, `strides ${JSON.stringify(strides)}`);
  if (dilations.length !== 4 || dilations[0] !== 1 || dilations[3] !== 1) throw refuse(context, `dilations ${JSON.stringify(dilations)}`);
  let input = tensorInput(context, 0);
  const [batch, inputHeight, inputWidth, channels] = context.graph.tensors[input]!.shape as [number, number, number, number];
  let [height, width] = [inputHeight, inputWidth];
  let padding: PaddingName;
  if (context.node.attr.padding?.s && Buffer.from(context.node.attr.padding.s, 'base64').toString() === 'EXPLICIT') {
    const amounts = attrInts(context.node, 'explicit_paddings') ?? [];
    if (amounts.length !== 8 || amounts[0] || amounts[1] || amounts[6] || amounts[7]) throw refuse(context, `explicit paddings ${JSON.stringify(amounts)}`);
    height += amounts[2]! + amounts[3]!;
    width += amounts[4]! + amounts[5]!;
    const paddings = constantTensor(context, 'explicit_paddings', [4, 2], Int32Array.from(amounts));
    input = emit(context, 'PAD', [input, paddings], [batch, height, width, channels], { kind: 'pad' }, '/explicit_pad');
    padding = 'VALID';
  } else {
    padding = paddingOf(context);
  }
  const [strideH, strideW] = [strides[1]!, strides[2]!];
  const [dilationH, dilationW] = [dilations[1]!, dilations[2]!];
  return { input, padding, strideH, strideW, dilationH, dilationW, height: windowOutput(height, kh, strideH, dilationH, padding), width: windowOutput(width, kw, strideW, dilationW, padding) };
}

function convolution(context: NodeContext, fused: boolean): number {
  const kernel = constantInput(context, 1, 'filter');
  if (kernel.shape.length !== 4) throw refuse(context, `a filter of shape ${JSON.stringify(kernel.shape)}`);
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  const window = windowOf(context, kh, kw);
  const inputShape = context.graph.tensors[window.input]!.shape;
  if (inputShape[3] !== cin) throw refuse(context, `a filter for ${cin} input channels on an input of shape ${JSON.stringify(inputShape)}`);
  const fusion = fused ? fusionOf(context, cout) : { bias: new Float32Array(cout), activation: '' };
  const filterId = constantTensor(context, 'filter', [cout, kh, kw, cin], convFilter(Float32Array.from(kernel.values), kernel.shape));
  const biasId = constantTensor(context, 'bias', [cout], fusion.bias);
  const shape = [inputShape[0]!, window.height, window.width, cout];
  return withFusion(context, fusion, shape, (activation, output) =>
    addOp(context.graph, {
      op: 'CONV_2D',
      inputs: [window.input, filterId, biasId],
      outputs: [output],
      options: { kind: 'conv', padding: window.padding, strideH: window.strideH, strideW: window.strideW, dilationH: window.dilationH, dilationW: window.dilationW, activation },
      layer: context.node.name,
    }),
  );
}

/** TensorFlow's depthwise [kh, kw, in, m] is TFLite's [1, kh, kw, in × m] in memory (channel c·m + k). */
function depthwise(context: NodeContext, fused: boolean): number {
  const kernel = constantInput(context, 1, 'filter');
  if (kernel.shape.length !== 4) throw refuse(context, `a filter of shape ${JSON.stringify(kernel.shape)}`);
  const [kh, kw, cin, multiplier] = kernel.shape as [number, number, number, number];
  const window = windowOf(context, kh, kw);
  const inputShape = context.graph.tensors[window.input]!.shape;
  if (inputShape[3] !== cin) throw refuse(context, `a filter for ${cin} input channels on an input of shape ${JSON.stringify(inputShape)}`);
  const channels = cin * multiplier;
  const fusion = fused ? fusionOf(context, channels) : { bias: new Float32Array(channels), activation: '' };
  const filterId = constantTensor(context, 'depthwise_filter', [1, kh, kw, channels], Float32Array.from(kernel.values));
  const biasId = constantTensor(context, 'bias', [channels], fusion.bias);
  const shape = [inputShape[0]!, window.height, window.width, channels];
  return withFusion(context, fusion, shape, (activation, output) =>
    addOp(context.graph, {
      op: 'DEPTHWISE_CONV_2D',
      inputs: [window.input, filterId, biasId],
      outputs: [output],
      options: { kind: 'depthwise', padding: window.padding, strideH: window.strideH, strideW: window.strideW, dilationH: window.dilationH, dilationW: window.dilationW, depthMultiplier: multiplier, activation },
      layer: context.node.name,
    }),
  );
}

/** MatMul of a [batch, in] tensor by a constant [in, out] (or [out, in] with transpose_b): FULLY_CONNECTED. */
function matMul(context: NodeContext, fused: boolean): number {
  if (attrBool(context.node, 'transpose_a')) throw refuse(context, 'transpose_a (a transposed activation)');
  const input = tensorInput(context, 0);
  const inputShape = context.graph.tensors[input]!.shape;
  if (inputShape.length !== 2) throw refuse(context, `an input of rank ${inputShape.length}; MatMul takes [batch, features]`);
  const weights = constantInput(context, 1, 'weight matrix');
  if (weights.shape.length !== 2) throw refuse(context, `a weight matrix of shape ${JSON.stringify(weights.shape)}`);
  const transposed = Boolean(attrBool(context.node, 'transpose_b'));
  const [rows, cols] = weights.shape as [number, number];
  const [cin, cout] = transposed ? [cols, rows] : [rows, cols];
  if (inputShape[1] !== cin) throw refuse(context, `a [${rows}, ${cols}] weight matrix on an input of shape ${JSON.stringify(inputShape)}`);
  // TFLite wants [out, in].
  const filter = new Float32Array(cin * cout);
  if (transposed) filter.set(weights.values);
  else for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) filter[o * cin + i] = weights.values[i * cout + o]!;
  const fusion = fused ? fusionOf(context, cout) : { bias: new Float32Array(cout), activation: '' };
  const filterId = constantTensor(context, 'weights', [cout, cin], filter);
  const biasId = constantTensor(context, 'bias', [cout], fusion.bias);
  return withFusion(context, fusion, [inputShape[0]!, cout], (activation, output) =>
    addOp(context.graph, {
      op: 'FULLY_CONNECTED',
      inputs: [input, filterId, biasId],
      outputs: [output],
      options: { kind: 'fullyConnected', activation, keepNumDims: false },
      layer: context.node.name,
    }),
  );
}

export const lowerConv2D: NodeLowering = (context) => ({ tensor: convolution(context, false) });
export const lowerFusedConv2D: NodeLowering = (context) => ({ tensor: convolution(context, true) });
export const lowerDepthwise: NodeLowering = (context) => ({ tensor: depthwise(context, false) });
export const lowerFusedDepthwise: NodeLowering = (context) => ({ tensor: depthwise(context, true) });
export const lowerMatMul: NodeLowering = (context) => ({ tensor: matMul(context, false) });
export const lowerFusedMatMul: NodeLowering = (context) => ({ tensor: matMul(context, true) });

/** BiasAdd: an ADD of a per-channel constant, which the passes fold into the op before it. */
export const lowerBiasAdd: NodeLowering = (context) => {
  requireNhwc(context);
  const input = tensorInput(context, 0);
  const shape = shapeOf(context, { tensor: input });
  const bias = constantInput(context, 1, 'bias');
  if (bias.shape.length !== 1 || bias.shape[0] !== shape.at(-1)) throw refuse(context, `a bias of shape ${JSON.stringify(bias.shape)} on ${JSON.stringify(shape)}`);
  return { tensor: emit(context, 'ADD', [input, irInput(context, { constant: bias }, 'bias')], shape, { kind: 'add', activation: 'NONE' }) };
};

/**
 * FusedBatchNorm(V2/V3) at inference: x · s + (offset − mean · s), s = scale / √(variance + ε),
 * as a MUL and an ADD by per-channel constants that the passes fold into the convolution before.
 */
export const lowerFusedBatchNorm: NodeLowering = (context) => {
  requireNhwc(context);
  if (attrBool(context.node, 'is_training')) throw refuse(context, 'is_training: batch statistics, not an inference graph');
  const input = tensorInput(context, 0);
  const shape = shapeOf(context, { tensor: input });
  const channels = shape.at(-1)!;
  const [scale, offset, mean, variance] = [1, 2, 3, 4].map((index) => constantInput(context, index, ['', 'scale', 'offset', 'mean', 'variance'][index]!).values);
  const epsilon = attrNumber(context.node, 'epsilon') ?? 0.001;
  for (const values of [scale, offset, mean, variance]) if (values!.length !== channels) throw refuse(context, `${values!.length} parameters for ${channels} channels`);
  const multiplier = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    // TF.js computes (x − mean) · scale / √(variance + ε) + offset, in float32.
    multiplier[c] = Math.fround(scale![c]! / Math.sqrt(variance![c]! + epsilon));
    shift[c] = offset![c]! - mean![c]! * multiplier[c]!;
  }
  const scaled = emit(context, 'MUL', [input, constantTensor(context, 'multiplier', [channels], multiplier)], shape, { kind: 'mul', activation: 'NONE' }, '/scaled');
  return { tensor: emit(context, 'ADD', [scaled, constantTensor(context, 'shift', [channels], shift)], shape, { kind: 'add', activation: 'NONE' }) };
};

