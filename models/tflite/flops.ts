/**
 * FLOPs and bytes of a model, per layer, from the converter's IR: the same
 * count for layers and graph models (both lower to an IrGraph) and for every
 * variant (only the bytes change). Convention, as published counts use it:
 * a convolution or matrix multiply is 2 FLOPs per multiply-add; its bias and
 * fused activation are not counted; element-wise ops, activations and
 * (de)quantization are 1 FLOP per output element; a pool 1 per window
 * element; reshapes, pads, concatenations and resizes move data only.
 */
import { kindOfOp, type LayerKind } from '../../harness/core/layer-kind.ts';
import type { LayerCost, ModelCost } from '../../harness/core/profile.ts';
import { elementCount, type DType, type IrGraph, type IrOp } from './graph.ts';
import { prepareModel } from './convert.ts';
import type { ModelToConvert } from './load.ts';

const DTYPE_BYTES: Record<DType, number> = { float32: 4, float16: 2, int32: 4, uint8: 1, int8: 1, int64: 8 };

const MOVES_DATA = new Set(['RESHAPE', 'PAD', 'PADV2', 'CONCATENATION', 'TRANSPOSE', 'SLICE', 'STRIDED_SLICE', 'RESIZE_BILINEAR', 'RESIZE_NEAREST_NEIGHBOR', 'SQUEEZE', 'EXPAND_DIMS', 'GATHER']);

/** Multiply-adds of one op (0 for ops that are not a convolution or matrix multiply). */
export function macsOf(graph: IrGraph, op: IrOp): number {
  const shape = (index: number | undefined) => (index === undefined || index < 0 ? [] : graph.tensors[index]!.shape);
  const out = elementCount(shape(op.outputs[0]));
  switch (op.op) {
    case 'CONV_2D': {
      const [, kh = 1, kw = 1, inChannels = 1] = shape(op.inputs[1]);
      return out * kh * kw * inChannels;
    }
    case 'DEPTHWISE_CONV_2D': {
      const [, kh = 1, kw = 1] = shape(op.inputs[1]);
      return out * kh * kw;
    }
    case 'FULLY_CONNECTED': {
      const weights = shape(op.inputs[1]);
      return out * (weights[weights.length - 1] ?? 1);
    }
    case 'TRANSPOSE_CONV': {
      // Each input element scatters into kh × kw × outChannels outputs.
      const [outChannels = 1, kh = 1, kw = 1] = shape(op.inputs[1]);
      return elementCount(shape(op.inputs[2])) * kh * kw * outChannels;
    }
    default:
      return 0;
  }
}

/** FLOPs of one op that is not a multiply-add op. */
function otherFlops(graph: IrGraph, op: IrOp): number {
  if (MOVES_DATA.has(op.op)) return 0;
  const out = elementCount(graph.tensors[op.outputs[0]!]!.shape);
  if (op.options.kind === 'pool') return out * op.options.filterH * op.options.filterW;
  if (op.op === 'MEAN' || op.op === 'REDUCE_MAX') return elementCount(graph.tensors[op.inputs[0]!]!.shape);
  return out;
}

function tensorBytes(graph: IrGraph, index: number): number {
  const tensor = graph.tensors[index]!;
  return tensor.data ? tensor.data.byteLength : elementCount(tensor.shape) * DTYPE_BYTES[tensor.dtype];
}

/** The kind of a layer: that of its costliest op (a conv with its bias ADD is a conv). */
function layerKind(ops: { op: string; flops: number }[]): LayerKind {
  const heaviest = ops.reduce((best, op) => (op.flops > best.flops ? op : best), ops[0]!);
  return kindOfOp(heaviest.op);
}

/**
 * FLOPs, weight bytes and traffic per layer of a graph (ops grouped by the
 * layer they were lowered from, in execution order) and in total. Every
 * variant of a model gives the same FLOPs; a float16 or int8 graph fewer bytes.
 */
export function modelFlops(graph: IrGraph): ModelCost {
  const layers: (LayerCost & { perOp: { op: string; flops: number }[] })[] = [];
  graph.ops.forEach((op, index) => {
    const name = op.layer ?? `${op.op.toLowerCase()}_${index}`;
    const macs = macsOf(graph, op);
    const flops = macs > 0 ? 2 * macs : otherFlops(graph, op);
    let weightBytes = 0;
    let bytes = 0;
    for (const input of op.inputs) {
      if (input < 0) continue;
      const size = tensorBytes(graph, input);
      if (graph.tensors[input]!.data) weightBytes += size;
      bytes += size;
    }
    for (const output of op.outputs) bytes += tensorBytes(graph, output);
    let row = layers.at(-1);
    if (row?.layer !== name) {
      row = { layer: name, kind: 'other', ops: [], macs: 0, flops: 0, weightBytes: 0, bytes: 0, perOp: [] };
      layers.push(row);
    }
    row.ops.push(op.op);
    row.perOp.push({ op: op.op, flops });
    row.macs += macs;
    row.flops += flops;
    row.weightBytes += weightBytes;
    row.bytes += bytes;
  });
  const rows: LayerCost[] = layers.map(({ perOp, ...row }) => ({ ...row, kind: layerKind(perOp) }));
  const sum = (field: 'macs' | 'flops' | 'weightBytes' | 'bytes') => rows.reduce((total, row) => total + row[field], 0);
  return { layers: rows, macs: sum('macs'), flops: sum('flops'), weightBytes: sum('weightBytes'), bytes: sum('bytes') };
}

/** FLOPs of a TF.js layers or graph model (its optimised float32 graph: batch norms folded, as every runtime runs it). */
export function modelFlopsOf(model: ModelToConvert): ModelCost {
  return modelFlops(prepareModel(model).graph);
}
