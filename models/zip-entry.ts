/**
 * Reads one file out of a zip archive that may sit at the end of other bytes:
 * TFLite Support packs a model's associated files (labels.txt …) as a zip
 * appended to the .tflite. Only what that needs: the central directory,
 * stored or deflated entries, no zip64, no encryption.
 *
 * The archive comes inside a model from anywhere: an entry is inflated only
 * up to its declared size, which must be under the caller's cap, and the
 * output must match it. A 410 KB deflate bomb (400 MB of zeros) is refused
 * before a byte is inflated, or stopped at the declared size when it lies.
 */
import { inflateRawSync } from 'node:zlib';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = 22;
/** The end record is followed by a comment of at most 65535 bytes. */
const MAX_COMMENT = 0xffff;

export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

function endRecord(view: DataView): number | undefined {
  const last = view.byteLength - EOCD_BYTES;
  for (let at = last; at >= 0 && at >= last - MAX_COMMENT; at -= 1) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) return at;
  }
  return undefined;
}

interface Entry {
  method: number;
  compressedSize: number;
  /** As the central directory declares it; what the data must inflate to. */
  size: number;
  localOffset: number;
}

function entries(bytes: Uint8Array): Map<string, Entry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = new Map<string, Entry>();
  const end = endRecord(view);
  if (end === undefined) return found;
  const count = view.getUint16(end + 10, true);
  const directorySize = view.getUint32(end + 12, true);
  const directoryOffset = view.getUint32(end + 16, true);
  // Offsets count from the archive's start; when the zip was appended to a file, the bytes before it shift them all.
  const shift = end - directorySize - directoryOffset;
  if (shift < 0) throw new ZipFormatError('the zip central directory lies outside the file');
  const decoder = new TextDecoder();
  let at = end - directorySize;
  for (let index = 0; index < count; index += 1) {
    if (at + 46 > end || view.getUint32(at, true) !== CENTRAL_SIGNATURE) throw new ZipFormatError(`zip central directory entry ${index} is damaged`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    if (at + 46 + nameLength > end) throw new ZipFormatError(`zip central directory entry ${index} is damaged`);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    found.set(name, { method: view.getUint16(at + 10, true), compressedSize: view.getUint32(at + 20, true), size: view.getUint32(at + 24, true), localOffset: view.getUint32(at + 42, true) + shift });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return found;
}

/** The MiB figure of a byte count, for messages. */
function mib(bytes: number): string {
  return `${Number((bytes / 2 ** 20).toPrecision(3))} MiB`;
}

/**
 * The bytes of file `name` in the archive at the end of `bytes`, or undefined
 * when the archive (or the file) is absent. `maxBytes`: the most the entry
 * may hold once inflated (its declared size over it is refused unread).
 */
export function readZipEntry(bytes: Uint8Array, name: string, maxBytes: number): Uint8Array | undefined {
  const entry = entries(bytes).get(name);
  if (!entry) return undefined;
  if (entry.size > maxBytes) throw new ZipFormatError(`zip entry ${name} declares ${entry.size} bytes (${mib(entry.size)}), over the ${mib(maxBytes)} read for it`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_SIGNATURE) throw new ZipFormatError(`zip entry ${name}: no local header where the directory says`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.length) throw new ZipFormatError(`zip entry ${name} runs past the end of the file`);
  const data = bytes.subarray(start, start + entry.compressedSize);
  let output: Uint8Array;
  if (entry.method === 0) output = data;
  else if (entry.method === 8) {
    try {
      // One byte past the declared size tells a lying entry from an honest one without inflating the rest.
      output = new Uint8Array(inflateRawSync(data, { maxOutputLength: entry.size + 1 }));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw new ZipFormatError(`zip entry ${name} inflates to more than the ${entry.size} bytes it declares`);
      throw new ZipFormatError(`zip entry ${name} cannot be inflated: ${(error as Error).message}`);
    }
  } else throw new ZipFormatError(`zip entry ${name} uses compression method ${entry.method} (only stored and deflate are read)`);
  if (output.length !== entry.size) throw new ZipFormatError(`zip entry ${name} holds ${output.length} bytes, but declares ${entry.size}`);
  return output;
}
