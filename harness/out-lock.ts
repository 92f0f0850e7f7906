/**
 * One writer per out folder: `bench run`, `all`, `retrain` and `convert`
 * hold `<out>/bench.lock` while they work. Two runs side by side would
 * share the CPU and skew each other's numbers (measured: p50 72 ms alone,
 * 80 and 188 ms together), and two retrains would write the same files.
 *
 * A second command into a locked folder is refused with the holder's pid,
 * command and start time. A lock left by a process that no longer exists
 * (killed with -9, a crash, a reboot) is stale and taken over with a note.
 * The file is created with O_EXCL, so of two commands starting at once
 * exactly one gets it, and it is read without following a link: a
 * `bench.lock` that is a link, a folder or not a lock edgebench wrote is
 * one line saying so (remove it by hand), never read through or deleted.
 * A lock from another host cannot be judged stale from here (its pid means
 * nothing on this machine): the refusal names the host and pid and says to
 * delete the file once nothing runs there; there is no flag that breaks a
 * lock, so a live run elsewhere is never broken by accident.
 */
import { hostname } from 'node:os';
import { linkSync, lstatSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './core/errors.ts';
import { readFileNoFollow } from './core/safe-fs.ts';

export const LOCK_FILE = 'bench.lock';

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
  /** The process's start time in clock ticks (Linux /proc), so a reused pid is not taken for the holder. */
  processStart?: string;
}

export interface OutLock {
  path: string;
  /** The stale holder this lock replaced, if any (for a note). */
  tookOverFrom?: LockHolder;
  /** Removes the lock if it is still ours. Also runs at process exit. */
  release(): void;
}

/** Field 22 of /proc/<pid>/stat: when the process started. Undefined off Linux or when unreadable. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `holder` is still running (always true for another host: we cannot tell). */
export function holderAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (holder.processStart === undefined) return true;
  const now = processStart(holder.pid);
  return now === undefined || now === holder.processStart;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileNoFollow(path, 64 * 1024).toString('utf8')) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.host === 'string') {
      return { pid: value.pid, host: value.host, command: String(value.command ?? 'bench'), startedAt: String(value.startedAt ?? 'unknown time'), ...(value.processStart ? { processStart: String(value.processStart) } : {}) };
    }
  } catch {
    // Missing, or being written this instant: the caller retries.
  }
  return undefined;
}

function describe(holder: LockHolder): string {
  return `pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}, "${holder.command}", since ${holder.startedAt}`;
}

/**
 * Takes the lock of `out` (which must exist) for `command`, or throws a
 * UserError (code OUT_LOCKED) naming the process that holds it.
 */
export function lockOutFolder(out: string, command: string): OutLock {
  const path = join(out, LOCK_FILE);
  const start = processStart(process.pid);
  const mine: LockHolder = { pid: process.pid, host: hostname(), command, startedAt: new Date().toISOString(), ...(start ? { processStart: start } : {}) };
  const text = `${JSON.stringify(mine)}\n`;
  let tookOverFrom: LockHolder | undefined;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      writeFileSync(path, text, { flag: 'wx', mode: 0o644 });
      return ownedLock(path, text, tookOverFrom);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const odd = notALockFile(path, out);
    if (odd) throw new UserError(odd, 'OUT_LOCK_INVALID');
    const holder = readHolder(path);
    if (!holder) {
      // Created but not yet written by a process starting this instant: look again shortly.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
      continue;
    }
    if (holder.host !== hostname()) {
      throw new UserError(`${out} is locked by a bench command on another host (${describe(holder)}), which cannot be checked from here: if nothing runs there any more, delete ${path}; else wait, or use another --out`, 'OUT_LOCKED');
    }
    if (holderAlive(holder)) {
      throw new UserError(`${out} is in use by another bench command (${describe(holder)}): wait for it to finish, or use another --out`, 'OUT_LOCKED');
    }
    if (removeIfStill(path, holder)) tookOverFrom = holder;
  }
  if (readHolder(path) === undefined && notALockFile(path, out) === null) {
    throw new UserError(`${path} is not a lock edgebench wrote (no pid and host in it): if no bench runs in ${out}, delete it`, 'OUT_LOCK_INVALID');
  }
  throw new UserError(`cannot take the lock ${path}: it keeps changing hands; is another bench starting into ${out}?`, 'OUT_LOCKED');
}

/** Why the existing `bench.lock` is no lock file at all (a link, a folder), or null for a regular file. */
function notALockFile(path: string, out: string): string | null {
  let info;
  try {
    info = lstatSync(path);
  } catch {
    return null; // Gone since: the caller tries again.
  }
  if (info.isSymbolicLink()) return `${path} is a symbolic link, not a lock edgebench wrote: if no bench runs in ${out}, remove the link (rm ${path})`;
  if (info.isDirectory()) return `${path} is a folder, not a lock edgebench wrote: if no bench runs in ${out}, remove it (rm -r ${path})`;
  if (!info.isFile()) return `${path} is not a regular file, so not a lock edgebench wrote: if no bench runs in ${out}, remove it`;
  return null;
}

/**
 * Removes the stale lock only if it is still the one read: it is first
 * renamed aside (atomic), and put back if another process replaced it in
 * the meantime, so a fresh lock is never deleted by mistake.
 */
function removeIfStill(path: string, stale: LockHolder): boolean {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return false;
  }
  const moved = readHolder(aside);
  if (moved && moved.pid === stale.pid && moved.startedAt === stale.startedAt) {
    unlinkSync(aside);
    return true;
  }
  try {
    linkSync(aside, path);
  } catch {
    // Someone took the lock meanwhile; theirs stands.
  }
  unlinkSync(aside);
  return false;
}

function ownedLock(path: string, text: string, tookOverFrom: LockHolder | undefined): OutLock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    try {
      // Only our own lock: never one another process took after ours was (wrongly) judged stale.
      if (readFileNoFollow(path, 64 * 1024).toString('utf8') === text) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
  // A second Ctrl-C exits at once: the lock must not outlive the process.
  process.on('exit', release);
  return { path, ...(tookOverFrom ? { tookOverFrom } : {}), release };
}
