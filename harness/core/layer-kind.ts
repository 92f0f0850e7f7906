/**
 * The coarse kinds a profile groups its layers by (the report's stacked bars):
 * one table for TFLite op names (CONV_2D), TF.js kernel names (FusedConv2D)
 * and benchmark_model's node types alike, so that every runtime's rows fall
 * into the same seven bins.
 */
export const LAYER_KINDS = ['conv', 'depthwise', 'dense', 'pool', 'activation', 'quantize', 'other'] as const;
export type LayerKind = (typeof LAYER_KINDS)[number];

/** Names compared without case or underscores: CONV_2D, Conv2D and conv2d are one name. */
const squash = (name: string) => name.replace(/[_\s]/g, '').toLowerCase();

const TABLE: Record<string, LayerKind> = {};
const add = (kind: LayerKind, names: string[]) => names.forEach((name) => (TABLE[squash(name)] = kind));
add('depthwise', ['DEPTHWISE_CONV_2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D', 'DepthwiseConv2D']);
add('conv', ['CONV_2D', 'TRANSPOSE_CONV', 'Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DTranspose', 'SeparableConv2D', 'CONV_3D']);
add('dense', ['FULLY_CONNECTED', 'MatMul', '_FusedMatMul', 'BatchMatMul', 'Dense', 'BATCH_MATMUL']);
add('pool', ['MAX_POOL_2D', 'AVERAGE_POOL_2D', 'MEAN', 'REDUCE_MAX', 'MaxPool', 'AvgPool', 'Mean', 'Max', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'L2_POOL_2D', 'SUM']);
add('activation', [
  'RELU', 'RELU6', 'RELU_N1_TO_1', 'LOGISTIC', 'TANH', 'SOFTMAX', 'LOG_SOFTMAX', 'ELU', 'HARD_SWISH', 'LEAKY_RELU', 'PRELU', 'GELU',
  'Relu', 'Relu6', 'Sigmoid', 'Tanh', 'Softmax', 'LogSoftmax', 'Elu', 'Selu', 'LeakyRelu', 'Prelu', 'Activation', 'ReLU', 'LeakyReLU', 'PReLU', 'Softplus', 'Exp', 'Log', 'Erf',
]);
add('quantize', ['QUANTIZE', 'DEQUANTIZE', 'Cast']);

/** XNNPACK's operator names, as benchmark_model's op profile prints them inside its delegate ("Convolution (NHWC, F32) DWConv"). */
const XNNPACK_NAMES: [RegExp, LayerKind][] = [
  [/^Convolution \(.*\) DWConv|^Depthwise/i, 'depthwise'],
  [/^(Convolution|Deconvolution)\b/i, 'conv'],
  [/^(Dynamic )?Fully Connected|^Batch Matrix Multiply/i, 'dense'],
  [/Pooling|^Mean\b|^Max\b/i, 'pool'],
  [/^(Clamp|Sigmoid|Softmax|HardSwish|Leaky ReLU|ELU|Tanh)\b/i, 'activation'],
  [/^(Convert|Quantize|Dequantize)\b/i, 'quantize'],
];

/** The kind of an op, kernel or layer class name; anything unknown is "other" (adds, concatenations, reshapes, pads). */
export function kindOfOp(name: string): LayerKind {
  const known = TABLE[squash(name)];
  if (known) return known;
  return XNNPACK_NAMES.find(([pattern]) => pattern.test(name.trim()))?.[1] ?? 'other';
}
