/**
 * Paths written inside files we did not make (a model.json's weight shards,
 * a metadata.json's entries): each must name a file inside one folder, the
 * model's when reading, the out folder's model folder when writing. A
 * downloaded model.json with a shard `../../../../bench.config.mjs` would
 * otherwise write into the user's project, and `../id_rsa` read from it.
 * Checked twice: by its text before anything is touched (absolute, `..`,
 * NUL, a URL), then, for a file we are about to read, by where it really is
 * (a symbolic link inside the folder that leads out of it).
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep, win32 } from 'node:path';
import { UserError } from './errors.ts';

/** `'../../x'`, control characters and quotes escaped, so that the message stays one line. */
export function quotedEntry(entry: string): string {
  const text = JSON.stringify(entry.length > 200 ? `${entry.slice(0, 200)}…` : entry).slice(1, -1);
  return `'${text.replace(/'/g, "\\'")}'`;
}

/** Whether `path` lies strictly inside `folder` (by text: no link is followed). */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The absolute path of `entry` (a relative path read from a file) inside
 * `folder`, or a UserError naming `what` (e.g. `model.json
 * weightsManifest[0].paths[1]`) and `folderName` (e.g. `the model's folder`).
 * Text only: touches nothing on disk.
 */
export function containedPath(folder: string, entry: unknown, what: string, folderName: string): string {
  if (typeof entry !== 'string' || entry === '') throw new UserError(`${what} is not a file name (${JSON.stringify(entry) ?? String(entry)})`, 'MODEL_PATH_UNSAFE');
  const shown = `${what} ${quotedEntry(entry)}`;
  if (entry.includes('\0')) throw new UserError(`${shown} holds a NUL byte; a file name cannot`, 'MODEL_PATH_UNSAFE');
  // A scheme (`http:`, `file:`, `data:`) where a file beside the model is expected; one letter is a Windows drive.
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(entry)) throw new UserError(`${shown} is a URL; a file inside ${folderName} is expected`, 'MODEL_PATH_UNSAFE');
  if (isAbsolute(entry) || win32.isAbsolute(entry)) throw new UserError(`${shown} is an absolute path; a file inside ${folderName} is expected`, 'MODEL_PATH_UNSAFE');
  // On Windows `c:x` is relative to another drive's folder and `x:stream` an alternate data stream: no shard name needs a colon.
  if (entry.includes(':')) throw new UserError(`${shown} holds ':' (a drive or a stream on Windows); a file inside ${folderName} is expected`, 'MODEL_PATH_UNSAFE');
  // A backslash is a separator on Windows: `..\\x` must not climb out there either.
  const portable = entry.replace(/\\/g, '/');
  const target = resolve(folder, portable);
  if (!isInside(resolve(folder), target)) throw new UserError(`${shown} leaves ${folderName}`, 'MODEL_PATH_UNSAFE');
  return target;
}

/**
 * Throws unless `path` (already checked by containedPath) really lies in
 * `folder` once symbolic links are followed. A missing file is left to the
 * caller's read, which names it.
 */
export async function assertRealPathInside(folder: string, path: string, what: string, folderName: string): Promise<void> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!isInside(await realpath(folder), real)) throw new UserError(`${what} leaves ${folderName} through a symbolic link (to ${real})`, 'MODEL_PATH_UNSAFE');
}
