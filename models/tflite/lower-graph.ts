/**
 * Lowering of a TF.js graph model: its GraphDef becomes the same float32
 * IrGraph the layers lowering builds, one node at a time from the outputs
 * back to the input, through GRAPH_LOWERINGS (op → lowering). Constants stay
 * plain data until an op reads them; nodes whose inputs are all constant are
 * computed once here with TF.js (shape arithmetic, pre-scaled weights). A
 * node without a faithful lowering is an UnsupportedNodeError naming the
 * node, its op and its chain of ops from the input.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../harness/core/errors.ts';
import { addTensor, emptyGraph, type IrGraph } from './graph.ts';
import { attrInts, attrNumber, attrShape, nodeOf, topologicalOrder, type Constant, type GraphDef, type GraphNode } from './graph-def.ts';
import { lowerBiasAdd, lowerConv2D, lowerDepthwise, lowerFusedBatchNorm, lowerFusedConv2D, lowerFusedDepthwise, lowerFusedMatMul, lowerMatMul } from './lower-graph-conv.ts';
import { UnsupportedNodeError, isConstant, type NodeLowering, type Operand } from './lower-graph-context.ts';
import { GRAPH_OP_LOWERINGS } from './lower-graph-ops.ts';
import type { LoweredGraph } from './lower.ts';

export { UnsupportedNodeError };

const GRAPH_LOWERINGS: Record<string, NodeLowering> = {
  Conv2D: lowerConv2D,
  _FusedConv2D: lowerFusedConv2D,
  DepthwiseConv2dNative: lowerDepthwise,
  FusedDepthwiseConv2dNative: lowerFusedDepthwise,
  MatMul: lowerMatMul,
  _FusedMatMul: lowerFusedMatMul,
  BiasAdd: lowerBiasAdd,
  FusedBatchNorm: lowerFusedBatchNorm,
  FusedBatchNormV2: lowerFusedBatchNorm,
  FusedBatchNormV3: lowerFusedBatchNorm,
  ...GRAPH_OP_LOWERINGS,
};

/** Ops computed at conversion time when every input is a constant. */
const FOLDS: Record<string, (inputs: tf.Tensor[], node: GraphNode) => tf.Tensor> = {
  Identity: ([x]) => x!.clone(),
  Add: ([a, b]) => tf.add(a!, b!),
  AddV2: ([a, b]) => tf.add(a!, b!),
  Sub: ([a, b]) => tf.sub(a!, b!),
  Mul: ([a, b]) => tf.mul(a!, b!),
  RealDiv: ([a, b]) => tf.div(a!, b!),
  Maximum: ([a, b]) => tf.maximum(a!, b!),
  Minimum: ([a, b]) => tf.minimum(a!, b!),
  Neg: ([x]) => tf.neg(x!),
  Sqrt: ([x]) => tf.sqrt(x!),
  Rsqrt: ([x]) => tf.rsqrt(x!),
  Reshape: ([x, shape]) => tf.reshape(x!, Array.from(shape!.dataSync())),
  ExpandDims: ([x, axis]) => tf.expandDims(x!, axis!.dataSync()[0]),
  Squeeze: ([x], node) => tf.squeeze(x!, attrInts(node, 'squeeze_dims')?.length ? attrInts(node, 'squeeze_dims') : undefined),
  Cast: ([x], node) => tf.cast(x!, /INT/.test(JSON.stringify(node.attr.DstT ?? '')) ? 'int32' : 'float32'),
  ConcatV2: (inputs) => tf.concat(inputs.slice(0, -1), inputs.at(-1)!.dataSync()[0]),
  Pack: (inputs, node) => tf.stack(inputs, attrNumber(node, 'axis') ?? 0),
};

/** Most values of one input image (4096 × 4096 × 4). */
const MAX_INPUT_ELEMENTS = 4096 * 4096 * 4;

export const SUPPORTED_GRAPH_OPS = ['Placeholder', 'Const', ...Object.keys(GRAPH_LOWERINGS)];

function fold(node: GraphNode, constants: Constant[]): Constant {
  return tf.tidy(() => {
    const inputs = constants.map((constant) => tf.tensor(constant.values, constant.shape, constant.values instanceof Int32Array ? 'int32' : 'float32'));
    const result = FOLDS[node.op]!(inputs, node);
    const values = result.dataSync();
    return { values: result.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values), shape: result.shape };
  });
}

/** The shortest chain of nodes from a Placeholder to `name` (inclusive), by following inputs back. */
export function pathFromInput(def: GraphDef, name: string): GraphNode[] | undefined {
  const previous = new Map<string, string | null>([[name, null]]);
  const queue = [name];
  while (queue.length) {
    const current = queue.shift()!;
    const node = def.nodes.get(current.replace(/:\d+$/, ''));
    if (!node) continue;
    if (node.op === 'Placeholder') {
      const path: GraphNode[] = [];
      for (let at: string | null = current; at !== null; at = previous.get(at) ?? null) path.push(def.nodes.get(at.replace(/:\d+$/, ''))!);
      return path;
    }
    for (const input of node.inputs) {
      if (previous.has(input)) continue;
      previous.set(input, current);
      queue.push(input);
    }
  }
  return undefined;
}

/** "after input → Mul → … → AddV2 (24 ops from input "input")": where a node sits, in one line. */
export function describeWhere(def: GraphDef, name: string): string {
  const path = pathFromInput(def, name);
  if (!path) return '(not reached from the input)';
  const ops = path.slice(1, -1).map((node) => node.op);
  const shown = ops.length > 8 ? [...ops.slice(0, 3), '…', ...ops.slice(-4)] : ops;
  const chain = [path[0]!.name, ...shown].join(' → ');
  return `(${path.length - 1} op${path.length === 2 ? '' : 's'} from input "${path[0]!.name}": ${chain} → here)`;
}

/** The graph's one image input: a float NHWC Placeholder with a static height, width and channels. */
function inputShapeOf(def: GraphDef, name: string): number[] {
  if (def.inputs.length !== 1) throw new UserError(`the converter supports models with one input; ${name} has ${def.inputs.length} (${def.inputs.map((node) => node.name).join(', ')})`, 'MODEL_INPUTS');
  const input = def.inputs[0]!;
  const dtype = input.attr.dtype?.type;
  if (dtype && dtype !== 'DT_FLOAT') throw new UnsupportedNodeError(input.name, 'Placeholder', `input type ${dtype}; the converter takes float image inputs`);
  const shape = attrShape(input, 'shape');
  if (!shape || shape.length !== 4 || shape.slice(1).some((dim) => !(dim > 0))) {
    throw new UnsupportedNodeError(input.name, 'Placeholder', `input shape ${JSON.stringify(shape ?? 'unknown')}; the converter needs [batch, height, width, channels] with a fixed height, width and channels`);
  }
  // Bounded before any buffer of that size is made (calibration and check images): 4096×4096 RGBA at most.
  if (shape.slice(1).reduce((a, b) => a * b, 1) > MAX_INPUT_ELEMENTS) {
    throw new UnsupportedNodeError(input.name, 'Placeholder', `input shape ${JSON.stringify(shape)} holds over ${MAX_INPUT_ELEMENTS} values per image, past what the converter allocates`);
  }
  return [1, ...shape.slice(1)];
}

/** The float32 graph of a graph model with one image input, before the passes. */
export function lowerGraphDef(def: GraphDef, name: string): LoweredGraph {
  const graph: IrGraph = emptyGraph();
  const inputShape = inputShapeOf(def, name);
  const inputId = addTensor(graph, { name: 'image', shape: inputShape, dtype: 'float32', batched: true });
  graph.inputs = [inputId];
  const values = new Map<string, Operand>([[def.inputs[0]!.name, { tensor: inputId }]]);

  // Operands by node name; an output other than a node's first is refused where it is read.
  const operandOf = (reference: string): Operand => {
    const nodeName = nodeOf(reference);
    const node = def.nodes.get(nodeName);
    if (!node) throw new UserError(`${name}: the graph reads "${reference}", which is no node of it`, 'MODEL_INVALID');
    const index = nodeName === reference ? 0 : Number(reference.slice(nodeName.length + 1));
    if (index !== 0) throw new UnsupportedNodeError(node.name, node.op, `output ${index} is read; the converter lowers each node's first output only`, describeWhere(def, node.name));
    return values.get(nodeName)!;
  };

  const order = topologicalOrder(def.nodes, def.outputs, name);
  // A second output read anywhere is refused before any lowering, naming the node whose output it is.
  for (const nodeName of order) for (const input of def.nodes.get(nodeName)?.inputs ?? []) if (input !== nodeOf(input)) operandOf(input);

  // Each node after the nodes it reads (iteratively: a deep chain must not overflow the stack; cycles were refused when the GraphDef was read).
  for (const nodeName of order) {
    if (values.has(nodeName)) continue;
    const node = def.nodes.get(nodeName);
    if (!node) continue; // named by a reader, which refuses it (operandOf)
    let value: Operand;
    if (node.op === 'Const') {
      const constant = def.constants.get(node.name);
      if (!constant) throw new UnsupportedNodeError(node.name, node.op, 'a constant with no value in the weights manifest', describeWhere(def, node.name));
      value = { constant };
    } else if (node.op === 'Placeholder') {
      throw new UnsupportedNodeError(node.name, node.op, 'a second input');
    } else {
      const operands = node.inputs.map(operandOf);
      const lowering = GRAPH_LOWERINGS[node.op];
      if (operands.length && operands.every(isConstant) && FOLDS[node.op]) {
        value = { constant: fold(node, operands.map((operand) => operand.constant)) };
      } else if (!lowering) {
        throw new UnsupportedNodeError(node.name, node.op, `this op has no TFLite lowering in the converter (supported: ${SUPPORTED_GRAPH_OPS.join(', ')})`, describeWhere(def, node.name));
      } else {
        try {
          value = lowering({ graph, node, operands });
        } catch (error) {
          if (error instanceof UnsupportedNodeError && !error.where) throw new UnsupportedNodeError(error.node, error.op, error.reason, describeWhere(def, node.name));
          throw error;
        }
      }
    }
    values.set(nodeName, value);
  }

  graph.outputs = def.outputs.map((output, index) => {
    const value = operandOf(output);
    if (isConstant(value)) throw new UserError(`${name}: output "${output}" is a constant; nothing to convert`, 'MODEL_TRIVIAL');
    if (value.tensor === inputId) throw new UserError(`${name}: output "${output}" is the input unchanged; nothing to convert`, 'MODEL_TRIVIAL');
    graph.tensors[value.tensor]!.name = def.outputs.length === 1 ? 'probabilities' : `output_${index}`;
    return value.tensor;
  });
  return { graph, inputShape };
}
