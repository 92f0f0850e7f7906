/**
 * Prefix models for TFLite runtimes that have no per-op profiler reachable
 * from Node or the page (tflite-node on TFLite 2.9, LiteRT.js): the network
 * cut after a block, each prefix a file of its own run on the same runtime;
 * block cost = prefix time − the previous prefix's time. A cut is a tensor
 * that carries everything later ops need from earlier ones (nothing else
 * crosses it but constants and weights: a residual block is never cut in
 * its middle). Works on any variant's graph: float16's DEQUANTIZE of weights
 * goes into the prefix that needs it, and an integer cut tensor gets a
 * DEQUANTIZE to float32 so every runtime can read the prefix's output.
 */
import { UserError } from '../../harness/core/errors.ts';
import type { LayerKind } from '../../harness/core/layer-kind.ts';
import { addTensor, compact, type IrGraph, type IrOp } from './graph.ts';
import { modelFlops } from './flops.ts';
import { SIGNATURE_KEY, variantGraph, type ConvertOptions, type PreparedModel } from './convert.ts';
import { assignVersions } from './versions.ts';
import { writeTflite } from './writer.ts';

export interface CutPoint {
  /** The tensor the prefix outputs. */
  tensor: number;
  /** Index of the op producing it. */
  op: number;
  /** Layer of that op. */
  layer: string;
}

export interface Block {
  /** "first_layer … last_layer" of the ops between two cuts. */
  name: string;
  /** The kind of its costliest layer. */
  kind: LayerKind;
  layers: string[];
  ops: number;
  flops: number;
  bytes: number;
}

/** Tensors that hold constants or are computed from constants only (float16's dequantized weights). */
function constantDerived(graph: IrGraph): Set<number> {
  const constant = new Set<number>();
  graph.tensors.forEach((tensor, index) => tensor.data && constant.add(index));
  for (const op of graph.ops) {
    const inputs = op.inputs.filter((input) => input >= 0);
    if (inputs.length > 0 && inputs.every((input) => constant.has(input))) op.outputs.forEach((output) => constant.add(output));
  }
  return constant;
}

/** Indices of the ops `tensor` depends on, in graph order. */
function closure(graph: IrGraph, tensor: number, producer: Map<number, number>): Set<number> {
  const needed = new Set<number>();
  const stack = [tensor];
  while (stack.length) {
    const at = producer.get(stack.pop()!);
    if (at === undefined || needed.has(at)) continue;
    needed.add(at);
    for (const input of graph.ops[at]!.inputs) if (input >= 0) stack.push(input);
  }
  return needed;
}

function producers(graph: IrGraph): Map<number, number> {
  const map = new Map<number, number>();
  graph.ops.forEach((op, index) => op.outputs.forEach((output) => map.set(output, index)));
  return map;
}

const layerOf = (op: IrOp, index: number) => op.layer ?? `${op.op.toLowerCase()}_${index}`;

/** Every tensor the graph can be cut at (the model's output excluded), in graph order. */
export function cutPoints(graph: IrGraph): CutPoint[] {
  const constant = constantDerived(graph);
  const producer = producers(graph);
  const points: CutPoint[] = [];
  graph.ops.forEach((op, index) => {
    const tensor = op.outputs[0]!;
    if (constant.has(tensor) || graph.outputs.includes(tensor)) return;
    // Between layers only: a layer's ops (a dense layer's FULLY_CONNECTED and SOFTMAX) stay together.
    const next = graph.ops[index + 1];
    if (next && op.layer !== undefined && next.layer === op.layer) return;
    const inside = closure(graph, tensor, producer);
    const crossing = (input: number) => input >= 0 && !constant.has(input) && input !== tensor && (graph.inputs.includes(input) || inside.has(producer.get(input) ?? -1));
    let later = false;
    for (let other = 0; other < graph.ops.length; other += 1) {
      if (inside.has(other)) continue;
      const inputs = graph.ops[other]!.inputs;
      if (inputs.some(crossing)) return;
      if (!inputs.every((input) => input < 0 || constant.has(input))) later = true;
    }
    if (later) points.push({ tensor, op: index, layer: layerOf(op, index) });
  });
  return points;
}

/**
 * The cuts to time: after the named layers when `after` is given (each must
 * end at a cut point), else up to `count` spread evenly over the cut points.
 */
export function chooseCuts(graph: IrGraph, options: { count?: number; after?: string[] } = {}): CutPoint[] {
  const points = cutPoints(graph);
  if (options.after?.length) {
    return options.after.map((layer) => {
      const point = points.filter((candidate) => candidate.layer === layer).at(-1);
      if (!point) {
        const near = points.slice(0, 8).map((candidate) => candidate.layer).join(', ');
        throw new UserError(`cannot cut after layer "${layer}": it is not a layer whose output alone carries the network on (a cut inside a residual block, or no such layer); cut points start: ${near}…`, 'PROFILE_CUT');
      }
      return point;
    }).sort((a, b) => a.op - b.op);
  }
  const count = Math.max(1, Math.min(options.count ?? 12, points.length));
  if (points.length <= count) return points;
  return Array.from({ length: count }, (_, index) => points[Math.round(((index + 1) * points.length) / (count + 1)) - 1]!).filter((point, index, all) => all.indexOf(point) === index);
}

/** The graph up to `cut` (only the ops its tensor needs), with a float32 output. */
export function prefixGraph(graph: IrGraph, cut: CutPoint): IrGraph {
  const inside = closure(graph, cut.tensor, producers(graph));
  const prefix: IrGraph = { tensors: graph.tensors.map((tensor) => ({ ...tensor })), ops: graph.ops.filter((_, index) => inside.has(index)).map((op) => ({ ...op })), inputs: [...graph.inputs], outputs: [cut.tensor] };
  const output = prefix.tensors[cut.tensor]!;
  if (output.dtype !== 'float32') {
    const float = addTensor(prefix, { name: `${output.name}_float`, shape: [...output.shape], dtype: 'float32', ...(output.batched !== undefined ? { batched: output.batched } : {}) });
    prefix.ops.push({ op: 'DEQUANTIZE', inputs: [cut.tensor], outputs: [float], options: { kind: 'none' }, version: 1 });
    prefix.outputs = [float];
  }
  return compact(prefix);
}

/** The blocks between consecutive cuts (the last one ends at the model's output), with their FLOPs. */
export function blocksOf(graph: IrGraph, cuts: CutPoint[]): Block[] {
  const producer = producers(graph);
  const ends = [...cuts.map((cut) => cut.tensor), graph.outputs[0]!];
  let before = new Set<number>();
  return ends.map((tensor) => {
    const upTo = closure(graph, tensor, producer);
    const ops = [...upTo].filter((index) => !before.has(index)).sort((a, b) => a - b);
    before = upTo;
    // Named after the layers it holds; a weight's DEQUANTIZE (no layer) names a block only when nothing else does.
    const named = ops.filter((index) => graph.ops[index]!.layer !== undefined);
    const layers = [...new Set((named.length ? named : ops).map((index) => layerOf(graph.ops[index]!, index)))];
    const cost = modelFlops({ ...graph, ops: ops.map((index) => graph.ops[index]!) });
    const heaviest = cost.layers.reduce<(typeof cost.layers)[number] | undefined>((best, row) => (!best || row.flops > best.flops ? row : best), undefined);
    return { name: layers.length > 1 ? `${layers[0]} … ${layers.at(-1)}` : (layers[0] ?? '(empty)'), kind: heaviest?.kind ?? 'other', layers, ops: ops.length, flops: cost.flops, bytes: cost.bytes };
  });
}

export interface PrefixModels {
  cuts: CutPoint[];
  /** One file per cut, in order. */
  files: Uint8Array[];
  /** One block per cut plus the last one (to the model's output). */
  blocks: Block[];
}

/** The variant's prefix files at the chosen cuts (a tiny model may have none). */
export async function prefixModels(prepared: PreparedModel, options: ConvertOptions, choice: { count?: number; after?: string[] } = {}): Promise<PrefixModels> {
  const graph = await variantGraph(prepared, options);
  const cuts = chooseCuts(graph, choice);
  const files = cuts.map((cut) => {
    const prefix = prefixGraph(graph, cut);
    assignVersions(prefix);
    const tensors = (ids: number[]) => ids.map((tensor) => ({ name: prefix.tensors[tensor]!.name, tensor }));
    return writeTflite(prefix, { description: `edgebench prefix up to ${cut.layer} (${options.variant})`, signature: { key: SIGNATURE_KEY, inputs: tensors(prefix.inputs), outputs: tensors(prefix.outputs) } });
  });
  return { cuts, files, blocks: blocksOf(graph, cuts) };
}

export interface BlockTime extends Block {
  /** Prefix time − previous prefix time (negative when noise exceeds the block's cost). */
  ms: number;
}

/**
 * Block costs from the prefixes' times (ms, in cut order) and the full
 * model's: differences, so they add up to the full model's time exactly;
 * how well that matches the job's own p50 is the attribution's check.
 */
export function attributeBlocks(blocks: Block[], prefixMs: number[], fullMs: number): BlockTime[] {
  if (prefixMs.length !== blocks.length - 1) throw new Error(`${blocks.length} blocks need ${blocks.length - 1} prefix times, got ${prefixMs.length}`);
  const ends = [...prefixMs, fullMs];
  return blocks.map((block, index) => ({ ...block, ms: ends[index]! - (index === 0 ? 0 : ends[index - 1]!) }));
}
