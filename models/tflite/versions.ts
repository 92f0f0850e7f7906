/**
 * Operator versions. A runtime looks each (op, version) up among the kernels
 * it registered and refuses a file naming a version it lacks, so every op
 * states the lowest version that covers its tensor types and options (the
 * rules of TFLite's own op_version.cc, for the ops this converter emits).
 */
import type { IrGraph, IrOp } from './graph.ts';

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
      if (op.options.kind === 'fullyConnected' && op.options.keepNumDims) return 5;
      if (input === 'int8') return 4;
      if (hybrid) return op.options.kind === 'fullyConnected' && op.options.asymmetricQuantizeInputs ? 9 : 3;
      return 1;
    case 'DEQUANTIZE':
      if (input === 'float16') return 3;
      if (input === 'int8') return graph.tensors[op.inputs[0]!]!.quantization!.scale.length > 1 ? 5 : 2;
      return 1;
    case 'QUANTIZE':
    case 'RESHAPE':
      return 1;
    default:
      // ADD, MUL, CONCATENATION, pools, PAD, MEAN, REDUCE_MAX, SOFTMAX, RELU*, LOGISTIC, TANH.
      return input === 'int8' ? 2 : 1;
  }
}

export function assignVersions(graph: IrGraph): void {
  for (const op of graph.ops) op.version = versionOf(graph, op);
}
