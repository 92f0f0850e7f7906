/**
 * Reads what an image classifier's TFLite Support metadata says about feeding
 * it: the `TFLITE_METADATA` entry of a .tflite (a ModelMetadata flatbuffer,
 * file identifier "M001", as TF Hub's and Model Maker's files carry) gives the
 * input's default size (ImageProperties) and normalisation
 * (NormalizationOptions: value = (pixel - mean) / std), and the output's
 * TENSOR_AXIS_LABELS file, packed in the zip appended to the .tflite, gives
 * the class names. Read only; models/tflite/ writes this project's own entry.
 *
 * Field numbers are those of tflite-support's metadata_schema.fbs; a union
 * takes two slots (its type, then its value).
 */
import type { Normalization } from '../harness/core/metadata.ts';
import { SLOT } from './tflite/schema.ts';
import { readZipEntry } from './zip-entry.ts';

export const SUPPORT_METADATA_NAME = 'TFLITE_METADATA';
/** The most a packed label file is inflated to: 100,000 class names of 160 characters. */
export const MAX_LABEL_FILE_BYTES = 16 * 1024 * 1024;

const MODEL_METADATA = { subgraph_metadata: 3 } as const;
const SUBGRAPH_METADATA = { input_tensor_metadata: 2, output_tensor_metadata: 3 } as const;
const TENSOR_METADATA = { content: 3, process_units: 4, associated_files: 6 } as const;
const CONTENT = { content_properties_type: 0, content_properties: 1 } as const;
const IMAGE_PROPERTIES = { default_size: 1 } as const;
const IMAGE_SIZE = { width: 0, height: 1 } as const;
const PROCESS_UNIT = { options_type: 0, options: 1 } as const;
const NORMALIZATION_OPTIONS = { mean: 0, std: 1 } as const;
const ASSOCIATED_FILE = { name: 0, type: 2 } as const;
const CONTENT_IMAGE_PROPERTIES = 2;
const OPTIONS_NORMALIZATION = 1;
const FILE_TENSOR_AXIS_LABELS = 2;

/** A file whose metadata is cut short or points outside itself. */
export class SupportMetadataError extends Error {
  override name = 'SupportMetadataError';
}

export interface SupportMetadata {
  /** Square side from the input's ImageProperties.default_size. */
  inputSize?: number;
  normalization?: Normalization;
  classNames?: string[];
}

/** Bounds-checked flatbuffer tables: a bad offset is a SupportMetadataError, never a read past the end. */
class Table {
  constructor(
    private readonly view: DataView,
    readonly at: number,
  ) {}

  static root(bytes: Uint8Array, what: string): Table {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new Table(view, 0).follow(0, what);
  }

  private check(offset: number, size: number, what: string): void {
    if (offset < 0 || offset + size > this.view.byteLength) throw new SupportMetadataError(`${what} points outside the metadata`);
  }

  private u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, true);
  }

  /** The table an offset at `offset` points to. */
  follow(offset: number, what: string): Table {
    const target = offset + this.u32(offset, what);
    this.check(target, 4, what);
    const vtable = target - this.view.getInt32(target, true);
    this.check(vtable, 4, `${what} vtable`);
    return new Table(this.view, target);
  }

  /** Absolute position of a field, or undefined when absent. */
  private field(slot: number, what: string): number | undefined {
    const vtable = this.at - this.view.getInt32(this.at, true);
    const vtableBytes = this.view.getUint16(vtable, true);
    const entry = 4 + 2 * slot;
    if (entry + 2 > vtableBytes) return undefined;
    this.check(vtable + entry, 2, what);
    const relative = this.view.getUint16(vtable + entry, true);
    return relative === 0 ? undefined : this.at + relative;
  }

  uint8(slot: number, what: string): number {
    const at = this.field(slot, what);
    if (at === undefined) return 0;
    this.check(at, 1, what);
    return this.view.getUint8(at);
  }

  uint32(slot: number, what: string): number | undefined {
    const at = this.field(slot, what);
    return at === undefined ? undefined : this.u32(at, what);
  }

  table(slot: number, what: string): Table | undefined {
    const at = this.field(slot, what);
    return at === undefined ? undefined : this.follow(at, what);
  }

  /** Start and length of a vector field. */
  private vector(slot: number, elementBytes: number, what: string): { start: number; length: number } | undefined {
    const at = this.field(slot, what);
    if (at === undefined) return undefined;
    const header = at + this.u32(at, what);
    const length = this.u32(header, what);
    this.check(header + 4, length * elementBytes, what);
    return { start: header + 4, length };
  }

  tables(slot: number, what: string): Table[] {
    const vector = this.vector(slot, 4, what);
    if (!vector) return [];
    return Array.from({ length: vector.length }, (_, index) => this.follow(vector.start + 4 * index, `${what} ${index}`));
  }

  floats(slot: number, what: string): number[] {
    const vector = this.vector(slot, 4, what);
    if (!vector) return [];
    return Array.from({ length: vector.length }, (_, index) => this.view.getFloat32(vector.start + 4 * index, true));
  }

  bytes(slot: number, what: string): Uint8Array | undefined {
    const vector = this.vector(slot, 1, what);
    return vector && new Uint8Array(this.view.buffer, this.view.byteOffset + vector.start, vector.length);
  }

  string(slot: number, what: string): string | undefined {
    const bytes = this.bytes(slot, what);
    return bytes && new TextDecoder().decode(bytes);
  }
}

/** The bytes of the .tflite metadata entry `name`, or undefined when the file has none. */
function metadataEntry(file: Uint8Array, name: string): Uint8Array | undefined {
  const model = Table.root(file, 'the .tflite root');
  const entry = model.tables(SLOT.Model.metadata, 'metadata entry').find((candidate) => candidate.string(SLOT.Metadata.name, 'metadata name') === name);
  if (!entry) return undefined;
  const index = entry.uint32(SLOT.Metadata.buffer, 'metadata buffer') ?? 0;
  const buffer = model.tables(SLOT.Model.buffers, 'buffer')[index];
  if (!buffer) throw new SupportMetadataError(`metadata entry ${name} names buffer ${index}, which does not exist`);
  // Files over 2 GB keep buffers outside the flatbuffer (offset/size); metadata is never that big, so only `data` is read.
  return buffer.bytes(SLOT.Buffer.data, `metadata buffer ${index}`);
}

/** A float32 as written in the source (7 significant digits), not its double expansion. */
function float32Text(value: number): string {
  return String(Number(value.toPrecision(7)));
}

/** The one value all channels share; per-channel normalisation cannot be fed by a pipeline that normalises all channels alike. */
function shared(values: number[], what: string): number | undefined {
  if (values.length === 0) return undefined;
  if (values.some((value) => value !== values[0])) throw new SupportMetadataError(`per-channel normalisation ${what} [${values.map(float32Text).join(', ')}] is not supported (every channel is normalised alike); give --normalization instead`);
  return values[0];
}

function normalizationOf(tensor: Table): Normalization | undefined {
  for (const unit of tensor.tables(TENSOR_METADATA.process_units, 'input process unit')) {
    if (unit.uint8(PROCESS_UNIT.options_type, 'process unit type') !== OPTIONS_NORMALIZATION) continue;
    const options = unit.table(PROCESS_UNIT.options, 'normalization options');
    if (!options) continue;
    const mean = shared(options.floats(NORMALIZATION_OPTIONS.mean, 'normalization mean'), 'mean');
    const std = shared(options.floats(NORMALIZATION_OPTIONS.std, 'normalization std'), 'std');
    if (mean === undefined || std === undefined || !(std > 0)) continue;
    // (pixel - mean) / std = pixel × (1 / std) + (-mean / std); a zero mean gives offset 0, not -0.
    return { scale: 1 / std, offset: mean === 0 ? 0 : -mean / std };
  }
  return undefined;
}

function defaultSize(tensor: Table): number | undefined {
  const content = tensor.table(TENSOR_METADATA.content, 'input content');
  if (!content || content.uint8(CONTENT.content_properties_type, 'content type') !== CONTENT_IMAGE_PROPERTIES) return undefined;
  const size = content.table(CONTENT.content_properties, 'image properties')?.table(IMAGE_PROPERTIES.default_size, 'image default size');
  const width = size?.uint32(IMAGE_SIZE.width, 'image width');
  const height = size?.uint32(IMAGE_SIZE.height, 'image height');
  return width && width === height ? width : undefined;
}

function labelsOf(tensor: Table, file: Uint8Array): string[] | undefined {
  const labelFile = tensor
    .tables(TENSOR_METADATA.associated_files, 'output associated file')
    .find((candidate) => candidate.uint8(ASSOCIATED_FILE.type, 'associated file type') === FILE_TENSOR_AXIS_LABELS);
  const name = labelFile?.string(ASSOCIATED_FILE.name, 'associated file name');
  if (!name) return undefined;
  const bytes = readZipEntry(file, name, MAX_LABEL_FILE_BYTES);
  if (!bytes) throw new SupportMetadataError(`the metadata names label file ${name}, which is not packed in the file`);
  return new TextDecoder().decode(bytes).split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
}

/**
 * Input size, normalisation and class names from a .tflite's TFLite Support
 * metadata; undefined when the file has none. Throws SupportMetadataError
 * (or ZipFormatError) for metadata it cannot read.
 */
export function readSupportMetadata(file: Uint8Array): SupportMetadata | undefined {
  const data = metadataEntry(file, SUPPORT_METADATA_NAME);
  if (!data) return undefined;
  const root = Table.root(data, 'ModelMetadata');
  const subgraph = root.tables(MODEL_METADATA.subgraph_metadata, 'subgraph metadata')[0];
  if (!subgraph) return {};
  const input = subgraph.tables(SUBGRAPH_METADATA.input_tensor_metadata, 'input tensor metadata')[0];
  const output = subgraph.tables(SUBGRAPH_METADATA.output_tensor_metadata, 'output tensor metadata')[0];
  const inputSize = input && defaultSize(input);
  const normalization = input && normalizationOf(input);
  const classNames = output && labelsOf(output, file);
  return { ...(inputSize ? { inputSize } : {}), ...(normalization ? { normalization } : {}), ...(classNames ? { classNames } : {}) };
}
