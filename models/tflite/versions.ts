/**
 * Operator versions. A runtime looks each (op, version) up among the kernels
 * it registered and refuses a file naming a version it lacks, so every op
 * states the lowest version that covers its tensor types and options (the
 * rules of TFLite's own op_version.cc, for the ops this converter emits),
 * all within what TFLite 2.9 (tfjs-tflite-node) registers: checked by loading
 * each op at each version there.
 */
import type { IrGraph, IrOp } from './graph.ts';

/** Ops whose int8 kernel is version 2 (their float kernel version 1). */
const INT8_IS_V2 = new Set<IrOp['op']>([
  'ADD', 'SUB', 'MUL', 'CONCATENATION', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'PAD', 'MEAN', 'REDUCE_MAX', 'SOFTMAX', 'LOGISTIC', 'TANH',
  'RELU', 'RELU6', 'RELU_N1_TO_1', 'LOG_SOFTMAX', 'MAXIMUM', 'MINIMUM', 'TRANSPOSE', 'SLICE', 'RESIZE_NEAREST_NEIGHBOR', 'RESIZE_BILINEAR',
  'LEAKY_RELU', 'GELU', 'ABS', 'TRANSPOSE_CONV',
]);

function versionOf(graph: IrGraph, op: IrOp): number {
  const type = (index: number) => (op.inputs[index] !== undefined && op.inputs[index]! >= 0 ? graph.tensors[op.inputs[index]!]!.dtype : undefined);
  const input = type(0);
  const weights = type(1);
  const perChannel = (op.inputs[1] !== undefined && (graph.tensors[op.inputs[1]]?.quantization?.scale.length ?? 0) > 1) || false;
  const hybrid = input === 'float32' && weights === 'int8';
  switch (op.op) {
    case 'CONV_2D':
      if (input === 'int8') return 3;
      if (hybrid) return perChannel ? 5 : 2;
      return 1;
    case 'DEPTHWISE_CONV_2D':
      if (hybrid) return perChannel ? 6 : 4;
      if (input === 'int8') return 3;
      if (op.options.kind === 'depthwise' && (op.options.dilationH !== 1 || op.options.dilationW !== 1)) return 2;
      return 1;
    case 'FULLY_CONNECTED':
      if (hybrid && op.options.kind === 'fullyConnected' && op.options.asymmetricQuantizeInputs) return 9;
      if (op.options.kind === 'fullyConnected' && op.options.keepNumDims) return 5;
      if (input === 'int8') return 4;
      if (hybrid) return 3;
      return 1;
    case 'TRANSPOSE_CONV':
      // (output shape, filter, input, bias): a bias input is version 3.
      if (op.inputs.length > 3 && op.inputs[3]! >= 0) return 3;
      return type(2) === 'int8' ? 2 : 1;
    case 'DEQUANTIZE':
      if (input === 'float16') return 3;
      if (input === 'int8') return graph.tensors[op.inputs[0]!]!.quantization!.scale.length > 1 ? 5 : 2;
      return 1;
    case 'QUANTIZE':
      // int8 → int8 (requantization) is version 2.
      return input === 'int8' ? 2 : 1;
    case 'RESHAPE':
    case 'ELU':
    case 'HARD_SWISH':
    case 'PRELU':
    case 'EXP':
    case 'LOG':
    case 'NEG':
    case 'DIV':
      return 1;
    default:
      return input === 'int8' && INT8_IS_V2.has(op.op) ? 2 : 1;
  }
}

export function assignVersions(graph: IrGraph): void {
  for (const op of graph.ops) op.version = versionOf(graph, op);
}
