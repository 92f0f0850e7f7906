/**
 * Reading a file that came with a model: only a regular file, and only up to
 * a bound checked on its size before a byte is read, so that a model folder
 * holding a FIFO, a folder or a 40 GB file is one line, not a hang or a crash.
 */
import { readFile, stat } from 'node:fs/promises';
import { UserError } from '../harness/core/errors.ts';

/** A .tflite past 2 GiB cannot be one flatbuffer read into memory here. */
export const MAX_TFLITE_BYTES = 2 ** 31 - 1;

function size(bytes: number): string {
  return bytes >= 2 ** 30 ? `${Number((bytes / 2 ** 30).toPrecision(3))} GiB` : `${Number((bytes / 2 ** 20).toPrecision(3))} MiB`;
}

/** The bytes of `path`, or a UserError with `code` when it is not a regular file, is over `maxBytes`, or cannot be read. */
export async function readBounded(path: string, maxBytes: number, code: string): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UserError(`${path} is not a file`, code);
    if (info.size > maxBytes) throw new UserError(`${path} is ${info.size} bytes, over the ${size(maxBytes)} this harness reads`, code);
    return await readFile(path);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot read ${path}: ${(error as Error).message}`, code);
  }
}
