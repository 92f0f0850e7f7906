/**
 * Serialises an IrGraph into a .tflite flatbuffer with the `flatbuffers`
 * Builder, slot by slot (schema.ts). The file carries one subgraph, its
 * constant buffers (16-byte aligned), metadata entries and a SignatureDef.
 */
import { Builder, type ByteBuffer } from 'flatbuffers';
import type { IrGraph, IrOp, IrTensor, OpOptions, Quantization } from './graph.ts';
import { ACTIVATION, FIELD_COUNT, FILE_IDENTIFIER, OP, OPTIONS_TAG, PADDING, SCHEMA_VERSION, SLOT, TENSOR_TYPE } from './schema.ts';

export interface MetadataEntry {
  name: string;
  data: Uint8Array;
}

export interface SignatureSpec {
  key: string;
  inputs: { name: string; tensor: number }[];
  outputs: { name: string; tensor: number }[];
}

export interface WriteOptions {
  description?: string;
  metadata?: MetadataEntry[];
  signature?: SignatureSpec;
}

type Offset = number;

/** The Builder keeps its buffer private; bulk copies of weights need it. */
interface BuilderInternals {
  bb: ByteBuffer;
  space: number;
}

function intVector(builder: Builder, values: readonly number[]): Offset {
  builder.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) builder.addInt32(values[i]!);
  return builder.endVector();
}

function floatVector(builder: Builder, values: readonly number[]): Offset {
  builder.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) builder.addFloat32(values[i]!);
  return builder.endVector();
}

function int64Vector(builder: Builder, values: readonly number[], shared?: Map<string, Offset>): Offset {
  // Per-channel zero points are mostly all-zero vectors of a few lengths: written once per length and
  // shared (a flatbuffer may point at one vector from many tables), which keeps int8 files small.
  const key = shared && values.every((value) => value === 0) ? `zeros${values.length}` : undefined;
  const known = key ? shared!.get(key) : undefined;
  if (known !== undefined) return known;
  builder.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) builder.addInt64(BigInt(values[i]!));
  const offset = builder.endVector();
  if (key) shared!.set(key, offset);
  return offset;
}

function offsetVector(builder: Builder, offsets: readonly Offset[]): Offset {
  builder.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) builder.addOffset(offsets[i]!);
  return builder.endVector();
}

/** A [ubyte] vector whose data starts on a 16-byte boundary (what the runtimes expect of weight buffers). */
function alignedBytes(builder: Builder, bytes: Uint8Array): Offset {
  builder.startVector(1, bytes.length, 16);
  const internals = builder as unknown as BuilderInternals;
  internals.space -= bytes.length;
  internals.bb.setPosition(internals.space);
  internals.bb.bytes().set(bytes, internals.space);
  return builder.endVector();
}

function bytesOf(data: NonNullable<IrTensor['data']>): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function writeQuantization(builder: Builder, quantization: Quantization, shared: Map<string, Offset>): Offset {
  const slots = SLOT.Quantization;
  const min = quantization.min ? floatVector(builder, quantization.min) : 0;
  const max = quantization.max ? floatVector(builder, quantization.max) : 0;
  const scale = floatVector(builder, quantization.scale);
  const zeroPoint = int64Vector(builder, quantization.zeroPoint, shared);
  builder.startObject(FIELD_COUNT.Quantization);
  if (min) builder.addFieldOffset(slots.min, min, 0);
  if (max) builder.addFieldOffset(slots.max, max, 0);
  builder.addFieldOffset(slots.scale, scale, 0);
  builder.addFieldOffset(slots.zero_point, zeroPoint, 0);
  builder.addFieldInt32(slots.quantized_dimension, quantization.dimension ?? 0, 0);
  return builder.endObject();
}

function writeTensor(builder: Builder, tensor: IrTensor, buffer: number, shared: Map<string, Offset>): Offset {
  const slots = SLOT.Tensor;
  const shape = intVector(builder, tensor.shape);
  const signature = tensor.batched ? intVector(builder, tensor.shape.map((dim, axis) => (axis === 0 ? -1 : dim))) : 0;
  const name = builder.createString(tensor.name);
  const quantization = tensor.quantization ? writeQuantization(builder, tensor.quantization, shared) : 0;
  builder.startObject(FIELD_COUNT.Tensor);
  builder.addFieldOffset(slots.shape, shape, 0);
  builder.addFieldInt8(slots.type, TENSOR_TYPE[tensor.dtype], 0);
  builder.addFieldInt32(slots.buffer, buffer, 0);
  builder.addFieldOffset(slots.name, name, 0);
  if (quantization) builder.addFieldOffset(slots.quantization, quantization, 0);
  if (signature) builder.addFieldOffset(slots.shape_signature, signature, 0);
  return builder.endObject();
}

/** Writes an op's option table; returns [union tag, offset] or [0, 0] when the op has none. */
function writeOptions(builder: Builder, op: IrOp['op'], options: OpOptions): [number, Offset] {
  switch (options.kind) {
    case 'conv':
      builder.startObject(6);
      builder.addFieldInt8(0, PADDING[options.padding], 0);
      builder.addFieldInt32(1, options.strideW, 0);
      builder.addFieldInt32(2, options.strideH, 0);
      builder.addFieldInt8(3, ACTIVATION[options.activation], 0);
      builder.addFieldInt32(4, options.dilationW, 1);
      builder.addFieldInt32(5, options.dilationH, 1);
      return [OPTIONS_TAG.Conv2DOptions, builder.endObject()];
    case 'depthwise':
      builder.startObject(7);
      builder.addFieldInt8(0, PADDING[options.padding], 0);
      builder.addFieldInt32(1, options.strideW, 0);
      builder.addFieldInt32(2, options.strideH, 0);
      builder.addFieldInt32(3, options.depthMultiplier, 0);
      builder.addFieldInt8(4, ACTIVATION[options.activation], 0);
      builder.addFieldInt32(5, options.dilationW, 1);
      builder.addFieldInt32(6, options.dilationH, 1);
      return [OPTIONS_TAG.DepthwiseConv2DOptions, builder.endObject()];
    case 'pool':
      builder.startObject(6);
      builder.addFieldInt8(0, PADDING[options.padding], 0);
      builder.addFieldInt32(1, options.strideW, 0);
      builder.addFieldInt32(2, options.strideH, 0);
      builder.addFieldInt32(3, options.filterW, 0);
      builder.addFieldInt32(4, options.filterH, 0);
      builder.addFieldInt8(5, ACTIVATION[options.activation], 0);
      return [OPTIONS_TAG.Pool2DOptions, builder.endObject()];
    case 'fullyConnected':
      builder.startObject(4);
      builder.addFieldInt8(0, ACTIVATION[options.activation], 0);
      builder.addFieldInt8(2, options.keepNumDims ? 1 : 0, 0);
      builder.addFieldInt8(3, options.asymmetricQuantizeInputs ? 1 : 0, 0);
      return [OPTIONS_TAG.FullyConnectedOptions, builder.endObject()];
    case 'softmax':
      builder.startObject(1);
      builder.addFieldFloat32(0, options.beta, 0);
      return [OPTIONS_TAG.SoftmaxOptions, builder.endObject()];
    case 'concatenation':
      builder.startObject(2);
      builder.addFieldInt32(0, options.axis, 0);
      builder.addFieldInt8(1, ACTIVATION[options.activation], 0);
      return [OPTIONS_TAG.ConcatenationOptions, builder.endObject()];
    case 'add':
    case 'mul':
    case 'sub':
    case 'div': {
      builder.startObject(1);
      builder.addFieldInt8(0, ACTIVATION[options.activation], 0);
      const tags = { add: OPTIONS_TAG.AddOptions, mul: OPTIONS_TAG.MulOptions, sub: OPTIONS_TAG.SubOptions, div: OPTIONS_TAG.DivOptions };
      return [tags[options.kind], builder.endObject()];
    }
    case 'reshape': {
      const newShape = intVector(builder, options.newShape);
      builder.startObject(1);
      builder.addFieldOffset(0, newShape, 0);
      return [OPTIONS_TAG.ReshapeOptions, builder.endObject()];
    }
    case 'reducer':
      builder.startObject(1);
      builder.addFieldInt8(0, options.keepDims ? 1 : 0, 0);
      return [OPTIONS_TAG.ReducerOptions, builder.endObject()];
    case 'pad':
      builder.startObject(0);
      return [OPTIONS_TAG.PadOptions, builder.endObject()];
    case 'transpose':
      builder.startObject(0);
      return [OPTIONS_TAG.TransposeOptions, builder.endObject()];
    case 'transposeConv':
      builder.startObject(3);
      builder.addFieldInt8(0, PADDING[options.padding], 0);
      builder.addFieldInt32(1, options.strideW, 0);
      builder.addFieldInt32(2, options.strideH, 0);
      return [OPTIONS_TAG.TransposeConvOptions, builder.endObject()];
    case 'resize':
      // ResizeBilinearOptions: 2 align_corners, 3 half_pixel_centers (0, 1 deprecated);
      // ResizeNearestNeighborOptions: 0 align_corners, 1 half_pixel_centers.
      if (op === 'RESIZE_BILINEAR') {
        builder.startObject(4);
        builder.addFieldInt8(2, options.alignCorners ? 1 : 0, 0);
        builder.addFieldInt8(3, options.halfPixelCenters ? 1 : 0, 0);
        return [OPTIONS_TAG.ResizeBilinearOptions, builder.endObject()];
      }
      builder.startObject(2);
      builder.addFieldInt8(0, options.alignCorners ? 1 : 0, 0);
      builder.addFieldInt8(1, options.halfPixelCenters ? 1 : 0, 0);
      return [OPTIONS_TAG.ResizeNearestNeighborOptions, builder.endObject()];
    case 'leakyRelu':
      builder.startObject(1);
      builder.addFieldFloat32(0, options.alpha, 0);
      return [OPTIONS_TAG.LeakyReluOptions, builder.endObject()];
    case 'gelu':
      builder.startObject(1);
      builder.addFieldInt8(0, options.approximate ? 1 : 0, 0);
      return [OPTIONS_TAG.GeluOptions, builder.endObject()];
    case 'none':
      return [0, 0];
  }
}

function writeOperator(builder: Builder, op: IrOp, opcodeIndex: number): Offset {
  const slots = SLOT.Operator;
  const inputs = intVector(builder, op.inputs);
  const outputs = intVector(builder, op.outputs);
  const [tag, options] = writeOptions(builder, op.op, op.options);
  builder.startObject(FIELD_COUNT.Operator);
  builder.addFieldInt32(slots.opcode_index, opcodeIndex, 0);
  builder.addFieldOffset(slots.inputs, inputs, 0);
  builder.addFieldOffset(slots.outputs, outputs, 0);
  if (tag) {
    builder.addFieldInt8(slots.builtin_options_type, tag, 0);
    builder.addFieldOffset(slots.builtin_options, options, 0);
  }
  return builder.endObject();
}

function writeBuffer(builder: Builder, bytes?: Uint8Array): Offset {
  const data = bytes && bytes.length > 0 ? alignedBytes(builder, bytes) : 0;
  builder.startObject(FIELD_COUNT.Buffer);
  if (data) builder.addFieldOffset(SLOT.Buffer.data, data, 0);
  return builder.endObject();
}

function writeTensorMaps(builder: Builder, maps: { name: string; tensor: number }[]): Offset {
  const offsets = maps.map(({ name, tensor }) => {
    const nameOffset = builder.createString(name);
    builder.startObject(FIELD_COUNT.TensorMap);
    builder.addFieldOffset(SLOT.TensorMap.name, nameOffset, 0);
    builder.addFieldInt32(SLOT.TensorMap.tensor_index, tensor, 0);
    return builder.endObject();
  });
  return offsetVector(builder, offsets);
}

/** The whole file as bytes. */
export function writeTflite(graph: IrGraph, options: WriteOptions = {}): Uint8Array {
  const constantBytes = graph.tensors.reduce((sum, tensor) => sum + (tensor.data?.byteLength ?? 0), 0);
  const metadataBytes = (options.metadata ?? []).reduce((sum, entry) => sum + entry.data.length, 0);
  // Sized up front so that the weights are copied once, not at every doubling.
  const builder = new Builder(constantBytes + metadataBytes + 64 * graph.tensors.length + 256 * graph.ops.length + 65536);

  // Buffers: 0 is the empty sentinel, then one per constant tensor, then metadata.
  const bufferOffsets: Offset[] = [writeBuffer(builder)];
  const tensorBuffer = graph.tensors.map((tensor) => {
    if (!tensor.data) return 0;
    bufferOffsets.push(writeBuffer(builder, bytesOf(tensor.data)));
    return bufferOffsets.length - 1;
  });
  const metadataOffsets = (options.metadata ?? []).map((entry) => {
    bufferOffsets.push(writeBuffer(builder, entry.data));
    const bufferIndex = bufferOffsets.length - 1;
    const name = builder.createString(entry.name);
    builder.startObject(FIELD_COUNT.Metadata);
    builder.addFieldOffset(SLOT.Metadata.name, name, 0);
    builder.addFieldInt32(SLOT.Metadata.buffer, bufferIndex, 0);
    return builder.endObject();
  });

  const sharedVectors = new Map<string, Offset>();
  const tensorOffsets = graph.tensors.map((tensor, index) => writeTensor(builder, tensor, tensorBuffer[index]!, sharedVectors));

  // One OperatorCode per distinct (op, version).
  const codes: { op: IrOp['op']; version: number }[] = [];
  const codeIndex = (op: IrOp) => {
    let index = codes.findIndex((code) => code.op === op.op && code.version === op.version);
    if (index < 0) index = codes.push({ op: op.op, version: op.version }) - 1;
    return index;
  };
  const operatorOffsets = graph.ops.map((op) => writeOperator(builder, op, codeIndex(op)));

  const subgraphName = builder.createString('main');
  const tensorsVector = offsetVector(builder, tensorOffsets);
  const inputsVector = intVector(builder, graph.inputs);
  const outputsVector = intVector(builder, graph.outputs);
  const operatorsVector = offsetVector(builder, operatorOffsets);
  builder.startObject(FIELD_COUNT.SubGraph);
  builder.addFieldOffset(SLOT.SubGraph.tensors, tensorsVector, 0);
  builder.addFieldOffset(SLOT.SubGraph.inputs, inputsVector, 0);
  builder.addFieldOffset(SLOT.SubGraph.outputs, outputsVector, 0);
  builder.addFieldOffset(SLOT.SubGraph.operators, operatorsVector, 0);
  builder.addFieldOffset(SLOT.SubGraph.name, subgraphName, 0);
  const subgraph = builder.endObject();

  const codeOffsets = codes.map(({ op, version }) => {
    const code = OP[op];
    builder.startObject(FIELD_COUNT.OperatorCode);
    builder.addFieldInt8(SLOT.OperatorCode.deprecated_builtin_code, Math.min(code, 127), 0);
    builder.addFieldInt32(SLOT.OperatorCode.version, version, 1);
    builder.addFieldInt32(SLOT.OperatorCode.builtin_code, code, 0);
    return builder.endObject();
  });

  let signatures = 0;
  if (options.signature) {
    const inputs = writeTensorMaps(builder, options.signature.inputs);
    const outputs = writeTensorMaps(builder, options.signature.outputs);
    const key = builder.createString(options.signature.key);
    builder.startObject(FIELD_COUNT.SignatureDef);
    builder.addFieldOffset(SLOT.SignatureDef.inputs, inputs, 0);
    builder.addFieldOffset(SLOT.SignatureDef.outputs, outputs, 0);
    builder.addFieldOffset(SLOT.SignatureDef.signature_key, key, 0);
    builder.addFieldInt32(SLOT.SignatureDef.subgraph_index, 0, 0);
    signatures = offsetVector(builder, [builder.endObject()]);
  }

  const description = builder.createString(options.description ?? 'edgebench TypeScript converter');
  const codesVector = offsetVector(builder, codeOffsets);
  const subgraphsVector = offsetVector(builder, [subgraph]);
  const buffersVector = offsetVector(builder, bufferOffsets);
  const metadataVector = metadataOffsets.length ? offsetVector(builder, metadataOffsets) : 0;
  builder.startObject(FIELD_COUNT.Model);
  builder.addFieldInt32(SLOT.Model.version, SCHEMA_VERSION, 0);
  builder.addFieldOffset(SLOT.Model.operator_codes, codesVector, 0);
  builder.addFieldOffset(SLOT.Model.subgraphs, subgraphsVector, 0);
  builder.addFieldOffset(SLOT.Model.description, description, 0);
  builder.addFieldOffset(SLOT.Model.buffers, buffersVector, 0);
  if (metadataVector) builder.addFieldOffset(SLOT.Model.metadata, metadataVector, 0);
  if (signatures) builder.addFieldOffset(SLOT.Model.signature_defs, signatures, 0);
  builder.finish(builder.endObject(), FILE_IDENTIFIER);
  return builder.asUint8Array();
}
