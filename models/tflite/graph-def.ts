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

/** Most nodes a GraphDef may have: real image classifiers have a few thousand; 100,000 bounds the work and memory of reading one. */
export const MAX_GRAPH_NODES = 100_000;
/** Most inputs one node may list (a Concat of many tensors has tens). */
const MAX_NODE_INPUTS = 10_000;
/** Most elements of all inline Const values together (2^26: 256 MiB as float32), checked before any is allocated. */
export const MAX_INLINE_CONST_ELEMENTS = 2 ** 26;

/**
 * A Const node's value written inline in the GraphDef (small constants of
 * older converters). Its declared element count is checked against the
 * budget left and against the values or bytes present before anything is
 * allocated: a Const declaring 2e8 elements is one line, not 2.5 GB.
 */
function inlineConstant(tensor: TensorProto, node: string, budget: { left: number }, name: string): Constant | undefined {
  const dims = (tensor.tensorShape?.dim ?? []).map((dim) => Number(dim.size ?? 0));
  if (dims.some((dim) => !Number.isSafeInteger(dim) || dim < 0)) throw new UserError(`${name}: Const node "${node}" has shape [${dims.join(', ')}], not a list of sizes`, 'MODEL_INVALID');
  const shape = dims;
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count) || count > budget.left) {
    throw new UserError(`${name}: Const node "${node}" declares ${count} elements, past the ${MAX_INLINE_CONST_ELEMENTS} inline constant elements the converter reads`, 'MODEL_TOO_LARGE');
  }
  budget.left -= count;
  const isInt = tensor.dtype === 'DT_INT32' || tensor.dtype === 'DT_INT64';
  let values: ArrayLike<number> | undefined;
  if (tensor.tensorContent) {
    if (tensor.dtype !== 'DT_FLOAT' && tensor.dtype !== 'DT_INT32') return undefined;
    // Base64 of 4 bytes per element: the text's length says the size before it is decoded.
    if (typeof tensor.tensorContent !== 'string' || Math.floor((tensor.tensorContent.replace(/=+$/, '').length * 3) / 4) !== count * 4) {
      throw new UserError(`${name}: Const node "${node}" declares ${count} elements (${count * 4} bytes), but its tensorContent holds ${Math.floor((String(tensor.tensorContent).replace(/=+$/, '').length * 3) / 4)} bytes`, 'MODEL_INVALID');
    }
    const decoded = Buffer.from(tensor.tensorContent, 'base64');
    if (decoded.length !== count * 4) throw new UserError(`${name}: Const node "${node}" has a tensorContent that is not base64 of ${count * 4} bytes`, 'MODEL_INVALID');
    const copy = new Uint8Array(decoded).buffer;
    values = tensor.dtype === 'DT_FLOAT' ? new Float32Array(copy) : new Int32Array(copy);
  } else {
    const listed = tensor.floatVal ?? tensor.intVal ?? tensor.int64Val ?? tensor.boolVal;
    if (!listed) return undefined;
    if (!Array.isArray(listed)) throw new UserError(`${name}: Const node "${node}" values are not a list`, 'MODEL_INVALID');
    if (listed.length !== count && !(listed.length === 1 && count > 1)) {
      throw new UserError(`${name}: Const node "${node}" declares ${count} elements, but lists ${listed.length} values`, 'MODEL_INVALID');
    }
    values = (listed as unknown[]).map(Number);
  }
  const typed = isInt ? new Int32Array(count) : new Float32Array(count);
  // A single value stands for every element (protobuf's compact form of a filled tensor).
  if (values.length === 1 && count > 1) typed.fill(values[0]!);
  else typed.set(values);
  return { values: typed, shape };
}

/** The node a reference names: "name:1" → "name". */
export function nodeOf(reference: string): string {
  return reference.replace(/:\d+$/, '');
}

/**
 * The nodes reachable from `roots` through their inputs, each after every
 * node it reads: an iterative depth-first walk (no recursion, so a
 * 100,000-node chain does not overflow the stack). A cycle is a UserError
 * naming its nodes; a node reading itself is a cycle of one. The back edge of
 * a TF1 while loop (NextIteration → Merge) is not followed, as TensorFlow's
 * own executors do not follow it. Inputs naming no node are left to the caller.
 */
export function topologicalOrder(nodes: ReadonlyMap<string, GraphNode>, roots: readonly string[], name: string): string[] {
  const DONE = 2;
  const VISITING = 1;
  const state = new Map<string, number>();
  const order: string[] = [];
  const readsOf = (node: GraphNode | undefined) => (node ? node.inputs.map(nodeOf).filter((input) => nodes.get(input)?.op !== 'NextIteration') : []);
  for (const root of roots.map(nodeOf)) {
    if (state.has(root)) continue;
    state.set(root, VISITING);
    const stack: { name: string; reads: string[]; next: number }[] = [{ name: root, reads: readsOf(nodes.get(root)), next: 0 }];
    while (stack.length) {
      const top = stack.at(-1)!;
      if (top.next === top.reads.length) {
        state.set(top.name, DONE);
        order.push(top.name);
        stack.pop();
        continue;
      }
      const input = top.reads[top.next++]!;
      const seen = state.get(input);
      if (seen === DONE) continue;
      if (seen === VISITING) {
        const cycle = [...stack.slice(stack.findIndex((frame) => frame.name === input)).map((frame) => frame.name), input];
        const shown = cycle.length > 12 ? [...cycle.slice(0, 6), `… ${cycle.length - 11} more …`, ...cycle.slice(-5)] : cycle;
        const what = cycle.length === 2 ? `node "${input}" reads itself` : `the graph has a cycle of ${cycle.length - 1} nodes: ${shown.map((node) => (node.startsWith('…') ? node : `"${node}"`)).join(' → ')} (each reads the next)`;
        throw new UserError(`${name}: ${what}; a feed-forward graph has none`, 'MODEL_GRAPH_CYCLE');
      }
      state.set(input, VISITING);
      stack.push({ name: input, reads: readsOf(nodes.get(input)), next: 0 });
    }
  }
  return order;
}

/** The nodes of a GraphDef's JSON, checked for shape and bounds before anything else reads them. */
function checkedNodes(list: unknown[], name: string): NodeDefJson[] {
  if (list.length > MAX_GRAPH_NODES) throw new UserError(`${name}: the graph has ${list.length} nodes, over the ${MAX_GRAPH_NODES} this harness reads`, 'MODEL_TOO_LARGE');
  const names = new Set<string>();
  for (const [index, node] of list.entries()) {
    const json = node as Partial<NodeDefJson> | null;
    if (typeof json !== 'object' || json === null || typeof json.name !== 'string' || typeof json.op !== 'string') throw new UserError(`${name}: modelTopology.node[${index}] is not a node (a name and an op)`, 'MODEL_INVALID');
    if (json.input !== undefined && (!Array.isArray(json.input) || json.input.length > MAX_NODE_INPUTS || json.input.some((input) => typeof input !== 'string'))) {
      throw new UserError(`${name}: node "${json.name}" has an input list that is not up to ${MAX_NODE_INPUTS} names`, 'MODEL_INVALID');
    }
    if (json.attr !== undefined && (typeof json.attr !== 'object' || json.attr === null)) throw new UserError(`${name}: node "${json.name}" has attributes that are not an object`, 'MODEL_INVALID');
    if (names.has(json.name)) throw new UserError(`${name}: two nodes are named "${json.name}"`, 'MODEL_INVALID');
    names.add(json.name);
  }
  return list as NodeDefJson[];
}

/**
 * The structure of a graph model.json's GraphDef checked without reading its
 * weights: node count, node shapes and no cycle. What `bench run` checks
 * before handing a user's graph model to TF.js.
 */
export function checkGraphStructure(topology: unknown, name: string): void {
  const list = (topology as { node?: unknown } | undefined)?.node;
  if (!Array.isArray(list)) throw new UserError(`${name} is not a TF.js graph model (no GraphDef node list)`, 'MODEL_INVALID');
  const nodes = new Map<string, GraphNode>();
  for (const json of checkedNodes(list, name)) {
    nodes.set(json.name, { name: json.name, op: json.op, inputs: (json.input ?? []).map(inputName).filter((input): input is string => input !== undefined), attr: {} });
  }
  topologicalOrder(nodes, [...nodes.keys()], name);
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
  const list = checkedNodes(topology.node, name);
  const constants = weightConstants(artifacts);
  const nodes = new Map<string, GraphNode>();
  const read = new Set<string>();
  const budget = { left: MAX_INLINE_CONST_ELEMENTS };
  for (const json of list) {
    const inputs = (json.input ?? []).map(inputName).filter((input): input is string => input !== undefined);
    const node: GraphNode = { name: json.name, op: json.op, inputs, attr: json.attr ?? {} };
    nodes.set(node.name, node);
    for (const input of inputs) read.add(input.replace(/:\d+$/, ''));
    if (node.op === 'Const' && !constants.has(node.name)) {
      const inline = json.attr?.value?.tensor ? inlineConstant(json.attr.value.tensor, json.name, budget, name) : undefined;
      if (inline) constants.set(node.name, inline);
    }
  }
  const inputs = [...nodes.values()].filter((node) => node.op === 'Placeholder');
  const signature = (artifacts.signature ?? (artifacts.userDefinedMetadata as { signature?: unknown } | undefined)?.signature) as { outputs?: Record<string, { name?: string }> } | undefined;
  const signed = Object.entries(signature?.outputs ?? {}).map(([key, info]) => inputName(info.name ?? key)!);
  const outputs = signed.length ? signed : [...nodes.values()].filter((node) => !read.has(node.name) && node.op !== 'Const' && node.op !== 'NoOp').map((node) => node.name);
  // Cycles are found here, once, for every node: a cycle nothing reads would otherwise go unnoticed.
  topologicalOrder(nodes, [...nodes.keys()], name);
  return { nodes, constants, inputs, outputs };
}
