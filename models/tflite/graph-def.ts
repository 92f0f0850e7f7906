/**
 * A TF.js graph model's GraphDef as plain data: its nodes (op, inputs,
 * attributes decoded), its constants (from the weights manifest, dequantized
 * exactly as TF.js dequantizes them, or inline in a Const node), its input
 * placeholders and its outputs. What the graph lowering (lower-graph.ts) reads.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../harness/core/errors.ts';

/** One attribute value as tensorflowjs_converter writes it (protobuf JSON). */
interface AttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
  list?: { s?: string[]; i?: (string | number)[]; f?: number[]; b?: boolean[] };
  tensor?: TensorProto;
}

interface TensorProto {
  dtype?: string;
  tensorShape?: { dim?: { size?: string | number }[] };
  floatVal?: number[];
  intVal?: number[];
  int64Val?: (string | number)[];
  boolVal?: boolean[];
  tensorContent?: string;
}

interface NodeDefJson {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValue>;
}

export interface Constant {
  values: Float32Array | Int32Array;
  shape: number[];
}

export interface GraphNode {
  name: string;
  op: string;
  /** Data inputs as node names (an output index ":n" is kept only when it is not 0); control inputs dropped. */
  inputs: string[];
  attr: Record<string, AttrValue>;
}

export interface GraphDef {
  nodes: Map<string, GraphNode>;
  constants: Map<string, Constant>;
  /** Placeholder nodes, in graph order. */
  inputs: GraphNode[];
  /** Output node names: the signature's, else the nodes nothing reads. */
  outputs: string[];
}

/** "name:0" → "name"; "^name" (a control edge) → undefined. */
export function inputName(input: string): string | undefined {
  if (input.startsWith('^')) return undefined;
  return input.replace(/:0$/, '');
}

function decodeString(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}

export function attrString(node: GraphNode, key: string): string | undefined {
  const value = node.attr[key]?.s;
  return value === undefined ? undefined : decodeString(value);
}

export function attrInts(node: GraphNode, key: string): number[] | undefined {
  return node.attr[key]?.list?.i?.map(Number);
}

export function attrStrings(node: GraphNode, key: string): string[] {
  return (node.attr[key]?.list?.s ?? []).map(decodeString);
}

export function attrNumber(node: GraphNode, key: string): number | undefined {
  const value = node.attr[key];
  if (value?.f !== undefined) return Number(value.f);
  if (value?.i !== undefined) return Number(value.i);
  return undefined;
}

export function attrBool(node: GraphNode, key: string): boolean | undefined {
  return node.attr[key]?.b;
}

export function attrShape(node: GraphNode, key: string): number[] | undefined {
  const shape = node.attr[key]?.shape;
  if (!shape || shape.unknownRank) return undefined;
  return (shape.dim ?? []).map((dim) => Number(dim.size ?? -1));
}

/** A Const node's value written inline in the GraphDef (small constants of older converters). */
function inlineConstant(tensor: TensorProto): Constant | undefined {
  const shape = (tensor.tensorShape?.dim ?? []).map((dim) => Number(dim.size ?? 0));
  const count = shape.reduce((a, b) => a * b, 1);
  const isInt = tensor.dtype === 'DT_INT32' || tensor.dtype === 'DT_INT64';
  let values: number[] | undefined;
  if (tensor.tensorContent) {
    const bytes = Buffer.from(tensor.tensorContent, 'base64');
    const copy = new Uint8Array(bytes).buffer;
    if (tensor.dtype === 'DT_FLOAT') values = Array.from(new Float32Array(copy));
    else if (tensor.dtype === 'DT_INT32') values = Array.from(new Int32Array(copy));
    else return undefined;
  } else {
    values = tensor.floatVal ?? tensor.intVal ?? tensor.int64Val?.map(Number) ?? tensor.boolVal?.map(Number);
  }
  if (!values) return undefined;
  // A single value stands for every element (protobuf's compact form of a filled tensor).
  const filled = values.length === 1 && count > 1 ? new Array<number>(count).fill(values[0]!) : values;
  return { values: isInt ? Int32Array.from(filled) : Float32Array.from(filled), shape };
}

/** The weights manifest's tensors, dequantized as TF.js dequantizes them when it loads the model. */
function weightConstants(artifacts: tf.io.ModelArtifacts): Map<string, Constant> {
  const constants = new Map<string, Constant>();
  if (!artifacts.weightSpecs || !artifacts.weightData) return constants;
  const buffer = tf.io.concatenateArrayBuffers(([] as ArrayBuffer[]).concat(artifacts.weightData as ArrayBuffer | ArrayBuffer[]));
  const tensors = tf.io.decodeWeights(buffer, artifacts.weightSpecs);
  try {
    for (const [name, tensor] of Object.entries(tensors)) {
      const data = tensor.dataSync();
      constants.set(name, { values: tensor.dtype === 'float32' ? Float32Array.from(data) : Int32Array.from(data), shape: tensor.shape });
    }
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return constants;
}

/** Reads the GraphDef of a graph model's artifacts (readModelArtifacts of its model.json). */
export function readGraphDef(artifacts: tf.io.ModelArtifacts, name: string): GraphDef {
  const topology = artifacts.modelTopology as { node?: NodeDefJson[]; library?: { function?: unknown[] } } | undefined;
  if (!topology || !Array.isArray(topology.node)) throw new UserError(`${name} is not a TF.js graph model (no GraphDef node list)`, 'MODEL_INVALID');
  if (topology.library?.function?.length) {
    throw new UserError(`${name}: the graph has control flow (${topology.library.function.length} functions); the converter lowers feed-forward graphs only`, 'CONVERT_GRAPH_CONTROL_FLOW');
  }
  const constants = weightConstants(artifacts);
  const nodes = new Map<string, GraphNode>();
  const read = new Set<string>();
  for (const json of topology.node) {
    const inputs = (json.input ?? []).map(inputName).filter((input): input is string => input !== undefined);
    const node: GraphNode = { name: json.name, op: json.op, inputs, attr: json.attr ?? {} };
    nodes.set(node.name, node);
    for (const input of inputs) read.add(input.replace(/:\d+$/, ''));
    if (node.op === 'Const' && !constants.has(node.name)) {
      const inline = json.attr?.value?.tensor ? inlineConstant(json.attr.value.tensor) : undefined;
      if (inline) constants.set(node.name, inline);
    }
  }
  const inputs = [...nodes.values()].filter((node) => node.op === 'Placeholder');
  const signature = (artifacts.signature ?? (artifacts.userDefinedMetadata as { signature?: unknown } | undefined)?.signature) as { outputs?: Record<string, { name?: string }> } | undefined;
  const signed = Object.entries(signature?.outputs ?? {}).map(([key, info]) => inputName(info.name ?? key)!);
  const outputs = signed.length ? signed : [...nodes.values()].filter((node) => !read.has(node.name) && node.op !== 'Const' && node.op !== 'NoOp').map((node) => node.name);
  return { nodes, constants, inputs, outputs };
}
