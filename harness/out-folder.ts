/**
 * The out folder checked before any long work starts: a file where the
 * folder should be, a parent that is a file, a folder the user may not write
 * to, or a full disk is one line naming the path, not a stack trace after
 * twenty minutes of retraining.
 */
import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './core/errors.ts';
import { describeFsError } from './core/fs-errors.ts';

export interface OutFolderOptions {
  /** The command writes into it: create it and prove a file can be written there. */
  write: boolean;
  /** How the folder was named, for messages (`--out`, or `out` in the config). */
  label?: string;
}

/** Throws a UserError (code OUT_UNUSABLE) when `out` cannot be used as the command needs. */
export function checkOutFolder(out: string, options: OutFolderOptions): void {
  const label = options.label ?? 'the out folder';
  const fail = (why: string): never => {
    throw new UserError(`${label} ${out} cannot be used: ${why}`, 'OUT_UNUSABLE');
  };
  let exists = true;
  try {
    if (!statSync(out).isDirectory()) fail('it is a file, not a folder (pick another --out)');
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') exists = false;
    else fail(describeFsError(error) ?? (error as Error).message);
  }
  if (!options.write) return;
  if (!exists) {
    try {
      mkdirSync(out, { recursive: true });
    } catch (error) {
      fail(describeFsError(error) ?? (error as Error).message);
    }
  }
  // A real write, not access(W_OK): that says yes to root on a read-only mount and knows nothing of a full disk.
  const probe = join(out, `.edgebench-write-check-${process.pid}`);
  try {
    writeFileSync(probe, 'edgebench checks that it can write here\n');
  } catch (error) {
    fail(describeFsError(error) ?? (error as Error).message);
  } finally {
    try {
      unlinkSync(probe);
    } catch {
      // Never written.
    }
  }
}
