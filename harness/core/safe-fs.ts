/**
 * Writing and removing files in a folder another local user might have
 * touched (a shared out folder, a CI cache), without following a link they
 * planted there.
 *
 * - A write goes to a temporary file beside the target, named at random and
 *   created exclusively (`wx`: O_CREAT|O_EXCL, which never opens through a
 *   symbolic link), then renamed over the target; a rename replaces a link
 *   planted at the target instead of writing through it. When it fails (a
 *   full disk), the temporary file is removed and the error is one line.
 * - With `inside`, every folder between `inside` and the target must be a
 *   real folder: a planted `runs -> /elsewhere` is refused, not followed.
 * - A folder is removed only when it is a real folder inside `inside`, with
 *   no link on the way; links inside it are removed, never followed
 *   (Node's recursive rm unlinks them).
 *
 * What this cannot close: a user who can write into the folder can still
 * swap a folder for a link between the check and the use. The out folder
 * itself is refused when others can write to it (harness/out-folder.ts), so
 * only its owner can.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from './errors.ts';
import { describeFsError, isFsError } from './fs-errors.ts';

/** Writes all of `data` to an open file; tests pass one that fails like a full disk. */
export type WriteData = (fd: number, data: Uint8Array) => void;

export interface AtomicWriteOptions {
  /** The folder the target must stay inside, with no symbolic link on the way (the out folder). */
  inside?: string;
  /** Mode of the new file (before the umask); default 0o644. */
  mode?: number;
  /** How the bytes are written (default: writeSync until all are written). */
  write?: WriteData;
}

const writeAll: WriteData = (fd, data) => {
  for (let offset = 0; offset < data.byteLength; ) offset += writeSync(fd, data, offset, data.byteLength - offset);
};

/**
 * `path` relative to `root`, or a UserError (code PATH_OUTSIDE) when it is
 * not below it. Both are resolved lexically: no link is followed here.
 */
function below(root: string, path: string, what: string): string {
  const rel = relative(resolve(root), resolve(path));
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new UserError(`${what} ${path} is not inside ${root}: refusing to touch it`, 'PATH_OUTSIDE');
  }
  return rel;
}

/**
 * Throws a UserError (code OUT_LINK) when a folder between `root` and
 * `path` (both excluded) is a symbolic link or not a folder. Folders that do
 * not exist yet are fine: the caller makes them.
 */
export function assertNoLinkBetween(root: string, path: string, what = 'path'): void {
  const parts = below(root, path, what).split(sep).slice(0, -1);
  let at = resolve(root);
  for (const part of parts) {
    at = join(at, part);
    let info;
    try {
      info = lstatSync(at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (info.isSymbolicLink()) throw new UserError(`${at} is a symbolic link inside ${root}: edgebench does not follow links there (remove it, or use another --out)`, 'OUT_LINK');
    if (!info.isDirectory()) throw new UserError(`${at} is not a folder, yet ${path} must be written below it (remove it, or use another --out)`, 'OUT_LINK');
  }
}

/** A temporary name beside `path` that nobody can guess in advance. */
function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `data` to `path` atomically (temporary file, then rename). The
 * target's folder must exist. Throws a one-line UserError (code
 * WRITE_FAILED) for a file-system error the user can fix, after removing
 * the temporary file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  if (options.inside !== undefined) assertNoLinkBetween(options.inside, path, 'file');
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const temporary = temporaryName(path);
  let fd: number | undefined;
  try {
    fd = openSync(temporary, 'wx', options.mode ?? 0o644);
    (options.write ?? writeAll)(fd, bytes);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, path);
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Already failing; the write's error is the one to report.
      }
    }
    let removed = false;
    try {
      unlinkSync(temporary);
      removed = true;
    } catch {
      // Never created, or already renamed.
    }
    if (!isFsError(error)) throw error;
    // A write to a descriptor names no path: name the file the user knows.
    const described = describeFsError(Object.assign(error, { path: error.syscall === 'rename' ? error.path : path }));
    throw new UserError(`${described}${removed ? `; the partial file ${basename(temporary)} was removed` : ''}`, 'WRITE_FAILED');
  }
}

/**
 * Removes the folder `path` and everything in it, only when it is a real
 * folder inside `root` with no link on the way; nothing there is fine.
 * Anything else is a UserError (code OUT_LINK or PATH_OUTSIDE) and nothing
 * is removed.
 */
export function removeFolderInside(root: string, path: string): void {
  assertNoLinkBetween(root, path, 'folder');
  let info;
  try {
    info = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (info.isSymbolicLink()) throw new UserError(`${path} is a symbolic link, not a folder edgebench made: refusing to remove what it points to (remove the link by hand)`, 'OUT_LINK');
  if (!info.isDirectory()) throw new UserError(`${path} is not a folder edgebench made: refusing to remove it (remove it by hand)`, 'OUT_LINK');
  rmSync(path, { recursive: true, force: true });
}

/**
 * The bytes of the regular file at `path`, opened without following a link
 * (O_NOFOLLOW: a link is ELOOP), refused past `limit` bytes before reading.
 */
export function readFileNoFollow(path: string, limit: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EINVAL' });
    if (info.size > limit) throw Object.assign(new Error(`${path} is larger than ${limit} bytes`), { code: 'EFBIG' });
    const bytes = Buffer.alloc(info.size);
    let offset = 0;
    while (offset < bytes.byteLength) {
      const read = readSync(fd, bytes, offset, bytes.byteLength - offset, offset);
      if (read === 0) break;
      offset += read;
    }
    return bytes.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
}
