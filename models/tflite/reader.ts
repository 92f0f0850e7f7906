/**
 * Reads any .tflite file (not only ours) into a plain summary for
 * `bench inspect`, and patches the batch size of a file's inputs for runtimes
 * that cannot resize (tfjs-tflite-node).
 */
import { builtinOperatorName, FILE_IDENTIFIER, OP, SLOT, TENSOR_TYPE_BYTES, tensorTypeName, type TensorTypeName } from './schema.ts';

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
  /** In an integer graph: the ops that run in float32 (no int8 kernel), by name. */
  floatFallback?: Record<string, number>;
  metadata: MetadataSummary[];
  signatures: SignatureSummary[];
}

/** A file that is not a well-formed .tflite: truncated, or an offset, length or count that points outside it. */
export class TfliteFormatError extends Error {
  override name = 'TfliteFormatError';
}

/**
 * Bounds-checked little-endian reads over the file. Every offset, length and
 * count read from the file is checked against its size before it is followed
 * or allocated for, so a truncated or hostile file is a TfliteFormatError,
 * never a read past the end, a garbage summary or a huge allocation.
 */
class Bytes {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  check(position: number, size: number, what: string): void {
    if (!Number.isSafeInteger(position) || position < 0 || size < 0 || position + size > this.bytes.length) {
      throw new TfliteFormatError(`truncated or malformed .tflite: ${what} at byte ${position} (${size} bytes) lies outside the file (${this.bytes.length} bytes)`);
    }
  }
  u8(position: number, what: string): number {
    this.check(position, 1, what);
    return this.view.getUint8(position);
  }
  i8(position: number, what: string): number {
    this.check(position, 1, what);
    return this.view.getInt8(position);
  }
  u16(position: number, what: string): number {
    this.check(position, 2, what);
    return this.view.getUint16(position, true);
  }
  i32(position: number, what: string): number {
    this.check(position, 4, what);
    return this.view.getInt32(position, true);
  }
  u32(position: number, what: string): number {
    this.check(position, 4, what);
    return this.view.getUint32(position, true);
  }
  f32(position: number, what: string): number {
    this.check(position, 4, what);
    return this.view.getFloat32(position, true);
  }
  i64(position: number, what: string): bigint {
    this.check(position, 8, what);
    return this.view.getBigInt64(position, true);
  }
  u64(position: number, what: string): bigint {
    this.check(position, 8, what);
    return this.view.getBigUint64(position, true);
  }
}

/** A flatbuffer table: fields by slot, each read checked against the file's size. */
class Table {
  private readonly vtable: number;
  private readonly vtableSize: number;
  constructor(
    readonly file: Bytes,
    readonly pos: number,
    readonly what: string,
  ) {
    // The table starts with a signed offset back to its vtable: [vtable size, table size, field offsets…].
    this.vtable = pos - file.i32(pos, `${what} table`);
    this.vtableSize = file.u16(this.vtable, `${what} vtable`);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) throw new TfliteFormatError(`malformed .tflite: ${what} vtable at byte ${this.vtable} has size ${this.vtableSize}`);
    file.check(this.vtable, this.vtableSize, `${what} vtable`);
    // Every inline field lies within the table's own size, which lies within the file.
    file.check(pos, file.u16(this.vtable + 2, `${what} vtable`), `${what} table`);
  }
  private field(slot: number): number {
    const entry = 4 + 2 * slot;
    return entry + 2 <= this.vtableSize ? this.file.u16(this.vtable + entry, `${this.what} vtable`) : 0;
  }
  has(slot: number): boolean {
    return this.field(slot) !== 0;
  }
  int8(slot: number, fallback = 0): number {
    const offset = this.field(slot);
    return offset ? this.file.i8(this.pos + offset, this.what) : fallback;
  }
  uint8(slot: number, fallback = 0): number {
    const offset = this.field(slot);
    return offset ? this.file.u8(this.pos + offset, this.what) : fallback;
  }
  int32(slot: number, fallback = 0): number {
    const offset = this.field(slot);
    return offset ? this.file.i32(this.pos + offset, this.what) : fallback;
  }
  uint32(slot: number, fallback = 0): number {
    const offset = this.field(slot);
    return offset ? this.file.u32(this.pos + offset, this.what) : fallback;
  }
  uint64(slot: number): bigint {
    const offset = this.field(slot);
    return offset ? this.file.u64(this.pos + offset, this.what) : 0n;
  }
  /** [start, length] of a vector field whose elements take `elementSize` bytes, or undefined. */
  vector(slot: number, elementSize: number, what = this.what): [number, number] | undefined {
    const offset = this.field(slot);
    if (!offset) return undefined;
    const at = this.pos + offset;
    const start = at + this.file.u32(at, `${what} offset`);
    const length = this.file.u32(start, `${what} length`);
    // The count is checked against the bytes left before anything is allocated for it.
    this.file.check(start + 4, length * elementSize, `${what} (${length} × ${elementSize} bytes)`);
    return [start + 4, length];
  }
  string(slot: number): string | undefined {
    const vector = this.vector(slot, 1, `${this.what} string`);
    return vector ? textDecoder.decode(this.file.bytes.subarray(vector[0], vector[0] + vector[1])) : undefined;
  }
  table(slot: number, what: string): Table | undefined {
    const offset = this.field(slot);
    if (!offset) return undefined;
    const at = this.pos + offset;
    return new Table(this.file, at + this.file.u32(at, `${what} offset`), what);
  }
  /** A vector of tables, read one at a time when asked for (a file may hold millions of them). */
  tables(slot: number, what: string): TableList {
    const vector = this.vector(slot, 4, `${what} list`);
    return new TableList(this.file, vector?.[0] ?? 0, vector?.[1] ?? 0, what);
  }
  ints(slot: number, what = this.what): number[] {
    const vector = this.vector(slot, 4, what);
    return vector ? Array.from({ length: vector[1] }, (_, i) => this.file.i32(vector[0] + 4 * i, what)) : [];
  }
  floats(slot: number, what = this.what): number[] {
    const vector = this.vector(slot, 4, what);
    return vector ? Array.from({ length: vector[1] }, (_, i) => this.file.f32(vector[0] + 4 * i, what)) : [];
  }
  longs(slot: number, what = this.what): number[] {
    const vector = this.vector(slot, 8, what);
    return vector ? Array.from({ length: vector[1] }, (_, i) => Number(this.file.i64(vector[0] + 8 * i, what))) : [];
  }
}

class TableList {
  constructor(
    private readonly file: Bytes,
    private readonly start: number,
    readonly length: number,
    private readonly what: string,
  ) {}
  at(index: number): Table | undefined {
    if (index < 0 || index >= this.length) return undefined;
    const at = this.start + 4 * index;
    return new Table(this.file, at + this.file.u32(at, `${this.what} ${index} offset`), `${this.what} ${index}`);
  }
  forEach(visit: (table: Table, index: number) => void): void {
    for (let i = 0; i < this.length; i++) visit(this.at(i)!, i);
  }
  map<T>(transform: (table: Table, index: number) => T): T[] {
    const result: T[] = [];
    this.forEach((table, index) => result.push(transform(table, index)));
    return result;
  }
}

const textDecoder = new TextDecoder('utf-8');

function rootTable(bytes: Uint8Array): Table {
  if (bytes.length < 8) throw new TfliteFormatError(`not a .tflite file: ${bytes.length} bytes`);
  if (new TextDecoder().decode(bytes.subarray(4, 8)) !== FILE_IDENTIFIER) throw new TfliteFormatError(`not a .tflite file: no "${FILE_IDENTIFIER}" identifier at byte 4`);
  const file = new Bytes(bytes);
  return new Table(file, file.u32(0, 'root offset'), 'model');
}

/** An index read from the file, checked against the list it points into. */
function checkedIndex(index: number, count: number, what: string): number {
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new TfliteFormatError(`malformed .tflite: ${what} is ${index}, but there are ${count}`);
  return index;
}

function tensorSummary(table: Table, index: number): TensorSummary {
  const slots = SLOT.Tensor;
  const summary: TensorSummary = {
    index,
    name: table.string(slots.name) ?? `tensor${index}`,
    shape: table.ints(slots.shape, `tensor ${index} shape`),
    type: tensorTypeName(table.int8(slots.type)),
  };
  if (table.has(slots.shape_signature)) summary.shapeSignature = table.ints(slots.shape_signature, `tensor ${index} shape signature`);
  const quantization = table.table(slots.quantization, `tensor ${index} quantization`);
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
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
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

/** The buffers of a model: each one's size and, when it is inside the file, its bytes. */
function bufferReader(model: Table, bytes: Uint8Array): (index: number, what: string) => { bytes: number; data?: Uint8Array } {
  const buffers = model.tables(SLOT.Model.buffers, 'buffer');
  return (index, what) => {
    const buffer = buffers.at(checkedIndex(index, buffers.length, `the buffer of ${what}`))!;
    const vector = buffer.vector(SLOT.Buffer.data, 1, `buffer ${index} data`);
    if (vector) return { bytes: vector[1], data: bytes.subarray(vector[0], vector[0] + vector[1]) };
    // Files over 2 GB keep data after the flatbuffer, at offset/size (from the start of the file).
    const size = buffer.uint64(SLOT.Buffer.size);
    const offset = buffer.uint64(SLOT.Buffer.offset);
    if (size === 0n) return { bytes: 0 };
    if (offset + size > BigInt(bytes.length)) throw new TfliteFormatError(`truncated or malformed .tflite: buffer ${index} claims ${size} bytes at byte ${offset}, outside the file (${bytes.length} bytes)`);
    return { bytes: Number(size), data: bytes.subarray(Number(offset), Number(offset + size)) };
  };
}

/**
 * Ops of an integer graph that run in float32 (inputs or outputs of type
 * float32 that are not constants), QUANTIZE and DEQUANTIZE aside: the fallback
 * of ops without an int8 kernel. A float SOFTMAX writing a model output is
 * not one: the converter runs the head's softmax in float on purpose (TFLite
 * 2.9's XNNPACK has no int8 softmax). Empty for float graphs.
 */
function floatFallback(operators: TableList, tensors: TableList, codes: { name: string }[], graphOutputs: readonly number[]): Record<string, number> {
  // 'constant' for tensors with data, else the tensor type.
  const kind = (index: number) => {
    const tensor = tensors.at(index)!;
    return tensor.uint32(SLOT.Tensor.buffer) === 0 ? tensorTypeName(tensor.int8(SLOT.Tensor.type)) : 'constant';
  };
  const fallback: Record<string, number> = {};
  let integer = false;
  operators.forEach((operator, index) => {
    const name = codes[operator.uint32(SLOT.Operator.opcode_index)]!.name;
    const tensorIds = [...operator.ints(SLOT.Operator.inputs, `operator ${index} inputs`), ...operator.ints(SLOT.Operator.outputs, `operator ${index} outputs`)].filter((id) => id >= 0);
    const kinds = tensorIds.map((id) => kind(checkedIndex(id, tensors.length, `a tensor of operator ${index}`)));
    if (kinds.includes('int8') || kinds.includes('uint8')) integer = true;
    const outputs = operator.ints(SLOT.Operator.outputs, `operator ${index} outputs`);
    const floatHead = name === 'SOFTMAX' && outputs.length > 0 && outputs.every((id) => graphOutputs.includes(id));
    if (name !== 'QUANTIZE' && name !== 'DEQUANTIZE' && !floatHead && kinds.includes('float32')) fallback[name] = (fallback[name] ?? 0) + 1;
  });
  return integer ? fallback : {};
}

/**
 * Reads every table and vector the summary does not need (every tensor of every
 * subgraph, every operator's lists and options, every buffer), so that a file cut
 * or corrupted anywhere fails here rather than summarising what happens to remain.
 */
function validateStructure(model: Table): void {
  model.tables(SLOT.Model.buffers, 'buffer').forEach((buffer, index) => buffer.vector(SLOT.Buffer.data, 1, `buffer ${index} data`));
  model.tables(SLOT.Model.subgraphs, 'subgraph').forEach((subgraph, s) => {
    subgraph.string(SLOT.SubGraph.name);
    subgraph.ints(SLOT.SubGraph.inputs, `subgraph ${s} inputs`);
    subgraph.ints(SLOT.SubGraph.outputs, `subgraph ${s} outputs`);
    subgraph.tables(SLOT.SubGraph.tensors, `subgraph ${s} tensor`).forEach((tensor, index) => tensorSummary(tensor, index));
    subgraph.tables(SLOT.SubGraph.operators, `subgraph ${s} operator`).forEach((operator, index) => {
      operator.ints(SLOT.Operator.inputs, `operator ${index} inputs`);
      operator.ints(SLOT.Operator.outputs, `operator ${index} outputs`);
      operator.ints(SLOT.Operator.intermediates, `operator ${index} intermediates`);
      operator.vector(SLOT.Operator.custom_options, 1, `operator ${index} custom options`);
      if (operator.uint8(SLOT.Operator.builtin_options_type)) operator.table(SLOT.Operator.builtin_options, `operator ${index} options`);
    });
  });
}

/**
 * Every constant tensor's declared size (its shape × its type's bytes) fits
 * in the buffer it names: a forged shape over a small buffer would have a
 * runtime read past the buffer. Sparse tensors, types without a fixed size
 * (string, int4) and shapes with an unknown dimension are left to the runtime.
 */
function checkTensorBuffers(model: Table, bufferData: ReturnType<typeof bufferReader>): void {
  model.tables(SLOT.Model.subgraphs, 'subgraph').forEach((subgraph, s) => {
    subgraph.tables(SLOT.SubGraph.tensors, `subgraph ${s} tensor`).forEach((tensor, index) => {
      const buffer = tensor.uint32(SLOT.Tensor.buffer);
      if (buffer === 0 || tensor.has(SLOT.Tensor.sparsity)) return;
      const present = bufferData(buffer, `tensor ${index}`).bytes;
      const type = tensorTypeName(tensor.int8(SLOT.Tensor.type));
      const bytes = TENSOR_TYPE_BYTES[type as TensorTypeName];
      const shape = tensor.ints(SLOT.Tensor.shape, `tensor ${index} shape`);
      if (present === 0 || bytes === undefined || shape.some((dim) => dim < 0)) return;
      const declared = shape.reduce((product, dim) => product * dim, bytes);
      if (declared > present) {
        throw new TfliteFormatError(`malformed .tflite: subgraph ${s} tensor ${index} (${tensor.string(SLOT.Tensor.name) ?? 'unnamed'}) declares shape [${shape.join(', ')}] of ${type} (${declared} bytes), but its buffer ${buffer} holds ${present} bytes`);
      }
    });
  });
}

/**
 * Reads any .tflite file into a plain summary. Throws TfliteFormatError for a
 * truncated or malformed file (every offset, length, count and index is checked).
 */
export function inspectTflite(bytes: Uint8Array): TfliteSummary {
  const model = rootTable(bytes);
  const slots = SLOT.Model;
  validateStructure(model);
  const bufferData = bufferReader(model, bytes);
  checkTensorBuffers(model, bufferData);

  const codes = model.tables(slots.operator_codes, 'operator code').map((code) => {
    const builtin = Math.max(code.int8(SLOT.OperatorCode.deprecated_builtin_code), code.int32(SLOT.OperatorCode.builtin_code));
    const name = builtinOperatorName(builtin);
    const custom = code.string(SLOT.OperatorCode.custom_code);
    return { name: name === 'CUSTOM' && custom ? `CUSTOM:${custom}` : name, version: code.int32(SLOT.OperatorCode.version, 1) };
  });

  const subgraphs = model.tables(slots.subgraphs, 'subgraph');
  const main = subgraphs.at(0);
  const tensors = main?.tables(SLOT.SubGraph.tensors, 'tensor');
  const operators = main?.tables(SLOT.SubGraph.operators, 'operator');
  const histogram: Record<string, number> = {};
  operators?.forEach((operator, index) => {
    const name = codes[checkedIndex(operator.uint32(SLOT.Operator.opcode_index), codes.length, `the operator code of operator ${index}`)]!.name;
    histogram[name] = (histogram[name] ?? 0) + 1;
  });
  const weightBytes: Record<string, number> = {};
  subgraphs.forEach((subgraph, s) => {
    subgraph.tables(SLOT.SubGraph.tensors, `subgraph ${s} tensor`).forEach((tensor, index) => {
      const buffer = tensor.uint32(SLOT.Tensor.buffer);
      if (buffer === 0) return;
      const size = bufferData(buffer, `tensor ${index}`).bytes;
      if (size === 0) return;
      const type = tensorTypeName(tensor.int8(SLOT.Tensor.type));
      weightBytes[type] = (weightBytes[type] ?? 0) + size;
    });
  });

  const metadata = model.tables(slots.metadata, 'metadata entry').map((entry, index) => {
    const name = entry.string(SLOT.Metadata.name) ?? '';
    const { bytes: size, data } = bufferData(entry.uint32(SLOT.Metadata.buffer), `metadata entry ${index}`);
    return data ? metadataSummary(name, data) : { name, bytes: size };
  });

  const tensorMaps = (table: Table, slot: number, what: string) =>
    table.tables(slot, what).map((map) => ({ name: map.string(SLOT.TensorMap.name) ?? '', tensor: map.uint32(SLOT.TensorMap.tensor_index) }));
  const signatures = model.tables(slots.signature_defs, 'signature').map((signature) => ({
    key: signature.string(SLOT.SignatureDef.signature_key) ?? '',
    subgraph: signature.uint32(SLOT.SignatureDef.subgraph_index),
    inputs: tensorMaps(signature, SLOT.SignatureDef.inputs, 'signature input'),
    outputs: tensorMaps(signature, SLOT.SignatureDef.outputs, 'signature output'),
  }));

  const description = model.string(slots.description);
  const graphTensor = (index: number, what: string) => tensorSummary(tensors!.at(checkedIndex(index, tensors!.length, what))!, index);
  const fallback = main ? floatFallback(operators!, tensors!, codes, main.ints(SLOT.SubGraph.outputs, 'subgraph outputs')) : {};
  return {
    fileBytes: bytes.length,
    schemaVersion: model.uint32(slots.version),
    ...(description ? { description } : {}),
    subgraphs: subgraphs.length,
    inputs: main ? main.ints(SLOT.SubGraph.inputs, 'subgraph inputs').map((index) => graphTensor(index, 'a subgraph input')) : [],
    outputs: main ? main.ints(SLOT.SubGraph.outputs, 'subgraph outputs').map((index) => graphTensor(index, 'a subgraph output')) : [],
    operators: histogram,
    operatorCodes: codes,
    operatorCount: operators?.length ?? 0,
    tensorCount: tensors?.length ?? 0,
    weightBytes,
    ...(Object.keys(fallback).length ? { floatFallback: fallback } : {}),
    metadata,
    signatures,
  };
}

/** The metadata entry `name` of a .tflite file parsed as JSON, or undefined. */
export function readMetadataJson(bytes: Uint8Array, name: string): unknown {
  return inspectTflite(bytes).metadata.find((entry) => entry.name === name)?.json;
}

/**
 * A copy of the file taking batches of `batch`: the main subgraph's inputs get
 * that batch dimension (TFLite recomputes the other shapes when it allocates
 * tensors), and so does the output-shape constant of every TRANSPOSE_CONV,
 * which the converter writes for batch 1 (lower-conv.ts). For runtimes without
 * ResizeInputTensor (tfjs-tflite-node, LiteRT.js here).
 */
export function withBatchSize(bytes: Uint8Array, batch: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const model = rootTable(copy);
  validateStructure(model);
  const main = model.tables(SLOT.Model.subgraphs, 'subgraph').at(0);
  if (!main) throw new TfliteFormatError('the .tflite file has no subgraph');
  const tensors = main.tables(SLOT.SubGraph.tensors, 'tensor');
  const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
  for (const index of main.ints(SLOT.SubGraph.inputs, 'subgraph inputs')) {
    const shape = tensors.at(checkedIndex(index, tensors.length, 'a subgraph input'))!.vector(SLOT.Tensor.shape, 4, `input ${index} shape`);
    if (!shape || shape[1] === 0) throw new TfliteFormatError(`input ${index} has no shape to set a batch size on`);
    view.setInt32(shape[0], batch, true);
  }
  const codes = model.tables(SLOT.Model.operator_codes, 'operator code').map((code) => Math.max(code.int8(SLOT.OperatorCode.deprecated_builtin_code), code.int32(SLOT.OperatorCode.builtin_code)));
  const bufferData = bufferReader(model, copy);
  main.tables(SLOT.SubGraph.operators, 'operator').forEach((operator, index) => {
    if (codes[checkedIndex(operator.uint32(SLOT.Operator.opcode_index), codes.length, `the operator code of operator ${index}`)] !== OP.TRANSPOSE_CONV) return;
    const shapeTensor = operator.ints(SLOT.Operator.inputs, `operator ${index} inputs`)[0]!;
    const buffer = tensors.at(checkedIndex(shapeTensor, tensors.length, `the output shape of operator ${index}`))!.uint32(SLOT.Tensor.buffer);
    const data = bufferData(buffer, `the output shape of operator ${index}`).data;
    if (!data || data.length !== 16) throw new TfliteFormatError(`TRANSPOSE_CONV operator ${index} has no constant 4-D output shape to set a batch size on`);
    view.setInt32(data.byteOffset - copy.byteOffset, batch, true);
  });
  return copy;
}

export function elementBytes(type: string): number | undefined {
  return TENSOR_TYPE_BYTES[type as TensorTypeName];
}
