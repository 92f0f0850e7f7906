/**
 * What TFLite 2.9's int8 kernels (tfjs-tflite-node; LiteRT.js is newer and
 * accepts the same) need of each op's quantization parameters, verified by
 * loading and running single-op files. An op missing here has no int8 kernel
 * in 2.9 (EXP, LOG, NEG and DIV among the ops the converter emits): in an int8
 * file it runs in float32 between a DEQUANTIZE and a QUANTIZE, as TFLite's own
 * converter does for such ops when it may fall back to float.
 *
 * SOFTMAX has an int8 kernel, but 2.9's XNNPACK delegate takes only float32
 * softmax (its VisitSoftmaxNode checks float32 input and output): the head's
 * softmax, which writes a float model output, runs in float after a
 * DEQUANTIZE (./full-integer.ts `int8Ops`), all on XNNPACK.
 */
import type { OpName } from './schema.ts';

export interface Int8Kernel {
  /**
   * 'free': the kernel rescales, any output parameters;
   * 'same': output parameters equal input 0's (the kernel moves int8 values as they are);
   * 'shared': every input, constant ones included, has the output's parameters (the
   *   kernel compares or copies raw values: CONCATENATION, MAXIMUM, MINIMUM);
   * fixed parameters: the kernel's output range is fixed.
   */
  output: 'free' | 'same' | 'shared' | { scale: number; zeroPoint: number };
}

const FREE: Int8Kernel = { output: 'free' };
const SAME: Int8Kernel = { output: 'same' };
const SHARED: Int8Kernel = { output: 'shared' };

export const INT8_KERNELS: Partial<Record<OpName, Int8Kernel>> = {
  CONV_2D: FREE,
  DEPTHWISE_CONV_2D: FREE,
  FULLY_CONNECTED: FREE,
  TRANSPOSE_CONV: FREE,
  ADD: FREE,
  SUB: FREE,
  MUL: FREE,
  MEAN: FREE,
  RELU: FREE,
  RELU6: FREE,
  RELU_N1_TO_1: FREE,
  ELU: FREE,
  LEAKY_RELU: FREE,
  PRELU: FREE,
  HARD_SWISH: FREE,
  GELU: FREE,
  ABS: FREE,
  MAX_POOL_2D: SAME,
  AVERAGE_POOL_2D: SAME,
  PAD: SAME,
  RESHAPE: SAME,
  REDUCE_MAX: SAME,
  TRANSPOSE: SAME,
  SLICE: SAME,
  RESIZE_NEAREST_NEIGHBOR: SAME,
  RESIZE_BILINEAR: SAME,
  CONCATENATION: SHARED,
  MAXIMUM: SHARED,
  MINIMUM: SHARED,
  SOFTMAX: { output: { scale: 1 / 256, zeroPoint: -128 } },
  LOGISTIC: { output: { scale: 1 / 256, zeroPoint: -128 } },
  TANH: { output: { scale: 1 / 128, zeroPoint: 0 } },
  LOG_SOFTMAX: { output: { scale: 16 / 256, zeroPoint: 127 } },
};

/**
 * Ops with weights (a filter with one scale per output channel, an int32 bias at
 * input scale × filter scale): the input positions of the activation, filter and bias.
 */
export const WEIGHTED_INPUTS: Partial<Record<OpName, { input: number; filter: number; bias: number }>> = {
  CONV_2D: { input: 0, filter: 1, bias: 2 },
  DEPTHWISE_CONV_2D: { input: 0, filter: 1, bias: 2 },
  FULLY_CONNECTED: { input: 0, filter: 1, bias: 2 },
  // TRANSPOSE_CONV reads (output shape, filter, input, bias).
  TRANSPOSE_CONV: { input: 2, filter: 1, bias: 3 },
};
