/**
 * Reads the input and output tensors of a .tflite file's first subgraph
 * (type, shape, quantisation), straight from the flatbuffer. LiteRT.js tells
 * a tensor's dtype but not its quantisation, and a uint8 model needs both to
 * be fed and read correctly. Field slots: /work/shared/design/TFLITE_FORMAT.md.
 */
import { ByteBuffer } from 'flatbuffers';

/** TFLite TensorType codes. */
export const TENSOR_TYPES: Record<number, string> = { 0: 'float32', 1: 'float16', 2: 'int32', 3: 'uint8', 4: 'int64', 6: 'bool', 7: 'int16', 9: 'int8', 10: 'float64' };

export interface TfliteTensorInfo {
  name: string;
  type: string;
  shape: number[];
  /** real = scale × (q − zeroPoint); absent for float tensors. */
  quantization?: { scale: number; zeroPoint: number };
}

export interface TfliteIo {
  inputs: TfliteTensorInfo[];
  outputs: TfliteTensorInfo[];
}

export function readTfliteIo(bytes: Uint8Array): TfliteIo {
  const bb = new ByteBuffer(bytes);
  if (bytes.length < 8 || bb.getBufferIdentifier() !== 'TFL3') throw new Error('not a .tflite file (no TFL3 identifier)');
  const slot = (table: number, index: number) => bb.__offset(table, 4 + 2 * index);
  const child = (table: number, index: number): number | null => {
    const offset = slot(table, index);
    return offset ? bb.__indirect(table + offset) : null;
  };
  const vector = (table: number, index: number): { start: number; length: number } | null => {
    const offset = slot(table, index);
    return offset ? { start: bb.__vector(table + offset), length: bb.__vector_len(table + offset) } : null;
  };
  const ints = (table: number, index: number): number[] => {
    const found = vector(table, index);
    return found ? Array.from({ length: found.length }, (_, i) => bb.readInt32(found.start + i * 4)) : [];
  };

  const model = bb.readInt32(bb.position()) + bb.position();
  const subgraphs = vector(model, 2);
  if (!subgraphs || subgraphs.length === 0) throw new Error('.tflite file has no subgraph');
  const subgraph = bb.__indirect(subgraphs.start);
  const tensors = vector(subgraph, 0);
  if (!tensors) throw new Error('.tflite subgraph has no tensors');

  const tensorInfo = (index: number): TfliteTensorInfo => {
    if (index < 0 || index >= tensors.length) throw new Error(`.tflite tensor index ${index} out of range`);
    const tensor = bb.__indirect(tensors.start + index * 4);
    const nameOffset = slot(tensor, 3);
    const typeOffset = slot(tensor, 1);
    const typeCode = typeOffset ? bb.readInt8(tensor + typeOffset) : 0;
    const info: TfliteTensorInfo = {
      name: nameOffset ? (bb.__string(tensor + nameOffset) as string) : `tensor_${index}`,
      type: TENSOR_TYPES[typeCode] ?? `type-${typeCode}`,
      shape: ints(tensor, 0),
    };
    const quantization = child(tensor, 4);
    const scales = quantization === null ? null : vector(quantization, 2);
    if (quantization !== null && scales && scales.length > 0) {
      const zeroPoints = vector(quantization, 3);
      info.quantization = {
        scale: bb.readFloat32(scales.start),
        zeroPoint: zeroPoints && zeroPoints.length > 0 ? Number(bb.readInt64(zeroPoints.start)) : 0,
      };
    }
    return info;
  };
  return { inputs: ints(subgraph, 1).map(tensorInfo), outputs: ints(subgraph, 2).map(tensorInfo) };
}
