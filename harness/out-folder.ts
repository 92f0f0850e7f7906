/**
 * The out folder checked before any long work starts: a file where the
 * folder should be, a parent that is a file, a folder the user may not write
 * to, or a full disk is one line naming the path, not a stack trace after
 * twenty minutes of retraining.
 *
 * It must also be the user's own: edgebench later removes model folders in
 * it, reuses accuracy from its records and writes reports there, so a folder
 * another user can write to (a shared CI cache, /tmp itself) could hold
 * planted links or records. One owned by someone else, or writable by group
 * or others, is refused with the fix (`chmod go-w`). A folder that does not
 * exist yet is made 0755 (before the umask), owned by the user.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from './core/errors.ts';
import { describeFsError } from './core/fs-errors.ts';

export interface OutFolderOptions {
  /** The command writes into it: create it and prove a file can be written there. */
  write: boolean;
  /** How the folder was named, for messages (`--out`, or `out` in the config). */
  label?: string;
}

/**
 * The absolute out folder for `raw` (a flag or the config's `out`). An empty
 * or blank name is refused (code OUT_EMPTY): it is almost always an unset
 * variable (`--out "$OUT"`), and resolving it would make the working folder,
 * a project's own files, the out folder.
 */
export function resolveOutFolder(raw: string, cwd: string, label = 'the out folder'): string {
  if (raw.trim() === '') throw new UserError(`${label} is empty: name a folder (an unset variable in --out "$VAR"?); the working folder is never taken for it`, 'OUT_EMPTY');
  return resolve(cwd, raw);
}

/** Why the existing folder `out` is not safely the user's, or null. */
function ownershipProblem(out: string): string | null {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid === undefined) return null; // Windows: no uid to compare.
  const link = lstatSync(out);
  if (link.isSymbolicLink() && link.uid !== uid) return `it is a symbolic link owned by uid ${link.uid}, not by you (uid ${uid}): use a folder of your own`;
  const info = statSync(out);
  if (info.uid !== uid) return `it belongs to uid ${info.uid}, not to you (uid ${uid}): use a folder of your own`;
  if ((info.mode & 0o022) !== 0) {
    const mode = (info.mode & 0o7777).toString(8);
    return `group or others may write to it (mode ${mode}), so another user could plant files there: run chmod go-w ${out}, or use a folder only you can write`;
  }
  return null;
}

/** Throws a UserError (code OUT_UNUSABLE) when `out` cannot be used as the command needs. */
export function checkOutFolder(out: string, options: OutFolderOptions): void {
  const label = options.label ?? 'the out folder';
  const fail = (why: string): never => {
    throw new UserError(`${label} ${out} cannot be used: ${why}`, 'OUT_UNUSABLE');
  };
  const owned = () => {
    const problem = ownershipProblem(out);
    if (problem) fail(problem);
  };
  let exists = true;
  try {
    if (!statSync(out).isDirectory()) fail('it is a file, not a folder (pick another --out)');
    owned();
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') exists = false;
    else fail(describeFsError(error) ?? (error as Error).message);
  }
  if (!options.write) return;
  if (!exists) {
    try {
      mkdirSync(out, { recursive: true, mode: 0o755 });
      owned();
    } catch (error) {
      if (error instanceof UserError) throw error;
      fail(describeFsError(error) ?? (error as Error).message);
    }
  }
  // A real write, not access(W_OK): that says yes to root on a read-only mount and knows nothing of a full disk.
  // Exclusive create under a name nobody can guess: a link planted at the probe's name is never written through.
  const probe = join(out, `.edgebench-write-check-${process.pid}-${randomBytes(6).toString('hex')}`);
  let made = false;
  try {
    writeFileSync(probe, 'edgebench checks that it can write here\n', { flag: 'wx' });
    made = true;
  } catch (error) {
    fail(describeFsError(error) ?? (error as Error).message);
  } finally {
    if (made) unlinkSync(probe);
  }
}
