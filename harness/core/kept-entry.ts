/**
 * Small JSON entries kept between runs (a browser's facts, a runtime's
 * download size, a page bundle's manifest) and the file stamps that say
 * whether one still holds: every file the kept value was derived from, with
 * its size and modification time when it was read. An entry is used only
 * while each file still has both, so an upgraded runtime or an edited source
 * is read again.
 *
 * Reading never fails: an entry that is missing, too large, a link, not
 * JSON or not of its schema is no entry, and the caller measures anew.
 * Keeping never fails either: a cache that cannot be written is only slower.
 */
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { readFileNoFollow, writeFileAtomic } from './safe-fs.ts';

/** Absolute path → [size in bytes, mtimeMs], as read when the value was derived. */
export type FileStamps = Record<string, [number, number]>;

export const fileStampsSchema = z.record(z.string().max(4096), z.tuple([z.number(), z.number()]));

/** The stamps of `paths` now; a file that cannot be read is left out (it was not an input). */
export async function stampFiles(paths: Iterable<string>): Promise<FileStamps> {
  const stamps: FileStamps = {};
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (info) stamps[path] = [info.size, info.mtimeMs];
  }
  return stamps;
}

/** Whether every stamped file still has its size and modification time. */
export async function stampsCurrent(stamps: FileStamps): Promise<boolean> {
  for (const [path, [size, mtimeMs]] of Object.entries(stamps)) {
    const info = await stat(path).catch(() => null);
    if (!info || info.size !== size || info.mtimeMs !== mtimeMs) return false;
  }
  return true;
}

/**
 * The entry at `path` as `schema` reads it, or undefined when there is none
 * that is usable: the file is opened without following a link and refused
 * past `maxBytes` before it is read.
 */
export function readKeptEntry<T>(path: string, schema: z.ZodType<T>, maxBytes: number): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(readFileNoFollow(path, maxBytes).toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the entry whole or not at all (a run beside this one reads a whole entry or none), readable by this user only. */
export function keepEntry(path: string, entry: unknown): void {
  try {
    writeFileAtomic(path, JSON.stringify(entry), { mode: 0o600 });
  } catch {
    // Only slower next time.
  }
}
