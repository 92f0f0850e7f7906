/**
 * Reads any .tflite file (not only ours) into a plain summary for
 * `bench inspect`, and patches the batch size of a file's inputs for runtimes
 * that cannot resize (tfjs-tflite-node).
 */
import { ByteBuffer } from 'flatbuffers';
import { builtinOperatorName, FILE_IDENTIFIER, SLOT, TENSOR_TYPE_BYTES, tensorTypeName, type TensorTypeName } from './schema.ts';

export interface TensorQuantizationSummary {
  scale: number[];
  zeroPoint: number[];
  /** Axis of per-channel parameters (only when there are several). */
  dimension?: number;
}

export interface TensorSummary {
  index: number;
  name: string;
  shape: number[];
  /** With -1 for dynamic dimensions, when the file says. */
  shapeSignature?: number[];
  type: string;
  quantization?: TensorQuantizationSummary;
}

export interface MetadataSummary {
  name: string;
  bytes: number;
  /** The entry as text when it is UTF-8 text (labels, JSON). */
  text?: string;
  /** The entry parsed, when it is JSON. */
  json?: unknown;
}

export interface SignatureSummary {
  key: string;
  subgraph: number;
  inputs: { name: string; tensor: number }[];
  outputs: { name: string; tensor: number }[];
}

export interface TfliteSummary {
  fileBytes: number;
  schemaVersion: number;
  description?: string;
  subgraphs: number;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  /** Operators of the main subgraph by name (custom ops as CUSTOM:<name>). */
  operators: Record<string, number>;
  /** Distinct operator codes with their versions. */
  operatorCodes: { name: string; version: number }[];
  operatorCount: number;
  tensorCount: number;
  /** Bytes of constant data, by tensor type. */
  weightBytes: Record<string, number>;
  metadata: MetadataSummary[];
  signatures: SignatureSummary[];
}

/** A flatbuffer table: fields by slot. */
class Table {
  constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
  ) {}
  private field(slot: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * slot);
  }
  has(slot: number): boolean {
    return this.field(slot) !== 0;
  }
  int8(slot: number, fallback = 0): number {
    const offset = this.field(slot);
    return offset ? this.bb.readInt8(this.pos + offset) : fallback;
  }
  uint8(slot: number, fallback = 0): number {
    const offset = this.field(slot);
    return offset ? this.bb.readUint8(this.pos + offset) : fallback;
  }
  int32(slot: number, fallback = 0): number {
    const offset = this.field(slot);
    return offset ? this.bb.readInt32(this.pos + offset) : fallback;
  }
  uint32(slot: number, fallback = 0): number {
    const offset = this.field(slot);
    return offset ? this.bb.readUint32(this.pos + offset) : fallback;
  }
  uint64(slot: number): bigint {
    const offset = this.field(slot);
    return offset ? this.bb.readUint64(this.pos + offset) : 0n;
  }
  string(slot: number): string | undefined {
    const offset = this.field(slot);
    return offset ? (this.bb.__string(this.pos + offset) as string) : undefined;
  }
  table(slot: number): Table | undefined {
    const offset = this.field(slot);
    return offset ? new Table(this.bb, this.bb.__indirect(this.pos + offset)) : undefined;
  }
  /** [start, length] of a vector field, or undefined. */
  vector(slot: number): [number, number] | undefined {
    const offset = this.field(slot);
    return offset ? [this.bb.__vector(this.pos + offset), this.bb.__vector_len(this.pos + offset)] : undefined;
  }
  tables(slot: number): Table[] {
    const vector = this.vector(slot);
    if (!vector) return [];
    const [start, length] = vector;
    return Array.from({ length }, (_, i) => new Table(this.bb, this.bb.__indirect(start + 4 * i)));
  }
  ints(slot: number): number[] {
    const vector = this.vector(slot);
    return vector ? Array.from({ length: vector[1] }, (_, i) => this.bb.readInt32(vector[0] + 4 * i)) : [];
  }
  floats(slot: number): number[] {
    const vector = this.vector(slot);
    return vector ? Array.from({ length: vector[1] }, (_, i) => this.bb.readFloat32(vector[0] + 4 * i)) : [];
  }
  longs(slot: number): number[] {
    const vector = this.vector(slot);
    return vector ? Array.from({ length: vector[1] }, (_, i) => Number(this.bb.readInt64(vector[0] + 8 * i))) : [];
  }
}

function rootTable(bytes: Uint8Array): Table {
  if (bytes.length < 8) throw new Error(`not a .tflite file: ${bytes.length} bytes`);
  const bb = new ByteBuffer(bytes);
  if (!bb.__has_identifier(FILE_IDENTIFIER)) throw new Error(`not a .tflite file: no "${FILE_IDENTIFIER}" identifier at byte 4`);
  return new Table(bb, bb.readInt32(0));
}

function tensorSummary(table: Table, index: number): TensorSummary {
  const slots = SLOT.Tensor;
  const summary: TensorSummary = {
    index,
    name: table.string(slots.name) ?? `tensor${index}`,
    shape: table.ints(slots.shape),
    type: tensorTypeName(table.int8(slots.type)),
  };
  if (table.has(slots.shape_signature)) summary.shapeSignature = table.ints(slots.shape_signature);
  const quantization = table.table(slots.quantization);
  if (quantization && quantization.has(SLOT.Quantization.scale)) {
    const scale = quantization.floats(SLOT.Quantization.scale);
    summary.quantization = { scale, zeroPoint: quantization.longs(SLOT.Quantization.zero_point) };
    if (scale.length > 1) summary.quantization.dimension = quantization.int32(SLOT.Quantization.quantized_dimension);
  }
  return summary;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function metadataSummary(name: string, data: Uint8Array): MetadataSummary {
  const summary: MetadataSummary = { name, bytes: data.length };
  try {
    const text = decoder.decode(data);
    // Binary that happens to decode (e.g. a nested flatbuffer) has control characters.
    if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) return summary;
    summary.text = text;
    try {
      summary.json = JSON.parse(text);
    } catch {
      // plain text, e.g. labels
    }
  } catch {
    // binary
  }
  return summary;
}

export function inspectTflite(bytes: Uint8Array): TfliteSummary {
  const model = rootTable(bytes);
  const slots = SLOT.Model;
  const buffers = model.tables(slots.buffers);
  const bufferData = (index: number): { bytes: number; data?: Uint8Array } => {
    const buffer = buffers[index];
    if (!buffer) return { bytes: 0 };
    const vector = buffer.vector(SLOT.Buffer.data);
    if (vector) return { bytes: vector[1], data: bytes.subarray(vector[0], vector[0] + vector[1]) };
    // Files over 2 GB keep data after the flatbuffer, at offset/size.
    const size = Number(buffer.uint64(SLOT.Buffer.size));
    const offset = Number(buffer.uint64(SLOT.Buffer.offset));
    return offset > 1 && size > 0 && offset + size <= bytes.length ? { bytes: size, data: bytes.subarray(offset, offset + size) } : { bytes: size };
  };

  const codes = model.tables(slots.operator_codes).map((code) => {
    const builtin = Math.max(code.int8(SLOT.OperatorCode.deprecated_builtin_code), code.int32(SLOT.OperatorCode.builtin_code));
    const name = builtinOperatorName(builtin);
    const custom = code.string(SLOT.OperatorCode.custom_code);
    return { name: name === 'CUSTOM' && custom ? `CUSTOM:${custom}` : name, version: code.int32(SLOT.OperatorCode.version, 1) };
  });

  const subgraphs = model.tables(slots.subgraphs);
  const main = subgraphs[0];
  const tensors = main ? main.tables(SLOT.SubGraph.tensors) : [];
  const operators = main ? main.tables(SLOT.SubGraph.operators) : [];
  const histogram: Record<string, number> = {};
  for (const operator of operators) {
    const name = codes[operator.uint32(SLOT.Operator.opcode_index)]?.name ?? 'UNKNOWN';
    histogram[name] = (histogram[name] ?? 0) + 1;
  }
  const weightBytes: Record<string, number> = {};
  for (const subgraph of subgraphs) {
    for (const tensor of subgraph.tables(SLOT.SubGraph.tensors)) {
      const buffer = tensor.uint32(SLOT.Tensor.buffer);
      if (buffer === 0) continue;
      const size = bufferData(buffer).bytes;
      if (size === 0) continue;
      const type = tensorTypeName(tensor.int8(SLOT.Tensor.type));
      weightBytes[type] = (weightBytes[type] ?? 0) + size;
    }
  }

  const metadata = model.tables(slots.metadata).map((entry) => {
    const name = entry.string(SLOT.Metadata.name) ?? '';
    const { bytes: size, data } = bufferData(entry.uint32(SLOT.Metadata.buffer));
    return data ? metadataSummary(name, data) : { name, bytes: size };
  });

  const tensorMaps = (table: Table, slot: number) =>
    table.tables(slot).map((map) => ({ name: map.string(SLOT.TensorMap.name) ?? '', tensor: map.uint32(SLOT.TensorMap.tensor_index) }));
  const signatures = model.tables(slots.signature_defs).map((signature) => ({
    key: signature.string(SLOT.SignatureDef.signature_key) ?? '',
    subgraph: signature.uint32(SLOT.SignatureDef.subgraph_index),
    inputs: tensorMaps(signature, SLOT.SignatureDef.inputs),
    outputs: tensorMaps(signature, SLOT.SignatureDef.outputs),
  }));

  const description = model.string(slots.description);
  return {
    fileBytes: bytes.length,
    schemaVersion: model.uint32(slots.version),
    ...(description ? { description } : {}),
    subgraphs: subgraphs.length,
    inputs: main ? main.ints(SLOT.SubGraph.inputs).map((index) => tensorSummary(tensors[index]!, index)) : [],
    outputs: main ? main.ints(SLOT.SubGraph.outputs).map((index) => tensorSummary(tensors[index]!, index)) : [],
    operators: histogram,
    operatorCodes: codes,
    operatorCount: operators.length,
    tensorCount: tensors.length,
    weightBytes,
    metadata,
    signatures,
  };
}

/** The metadata entry `name` of a .tflite file parsed as JSON, or undefined. */
export function readMetadataJson(bytes: Uint8Array, name: string): unknown {
  return inspectTflite(bytes).metadata.find((entry) => entry.name === name)?.json;
}

/**
 * A copy of the file whose main-subgraph inputs have batch dimension `batch`.
 * TFLite recomputes every other shape when it allocates tensors, so only the
 * inputs need changing; used for runtimes without ResizeInputTensor.
 */
export function withBatchSize(bytes: Uint8Array, batch: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const model = rootTable(copy);
  const main = model.tables(SLOT.Model.subgraphs)[0];
  if (!main) throw new Error('the .tflite file has no subgraph');
  const tensors = main.tables(SLOT.SubGraph.tensors);
  const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
  for (const index of main.ints(SLOT.SubGraph.inputs)) {
    const shape = tensors[index]!.vector(SLOT.Tensor.shape);
    if (!shape || shape[1] === 0) throw new Error(`input ${index} has no shape to set a batch size on`);
    view.setInt32(shape[0], batch, true);
  }
  return copy;
}

export function elementBytes(type: string): number | undefined {
  return TENSOR_TYPE_BYTES[type as TensorTypeName];
}
