/**
 * Which process a pid is, so that a pid written down by an earlier run (the
 * Appium server it started, the run itself) is signalled only while it is
 * still that process: pids are reused, and killing "pid 4242" from a state
 * file after a reboot or a long gap could end a stranger's program.
 *
 * A process is its pid, its start time and its command line. Linux reads
 * them from /proc; macOS and the BSDs from `ps`. Where neither is there
 * (Windows) nothing is known, and callers then leave the process alone.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Linux: clock ticks after boot (field 22 of /proc/<pid>/stat); elsewhere `ps -o lstart`. */
  startTime: string;
  /** The command line, arguments joined by single spaces. */
  command: string;
}

/** Reads /proc/<pid>: undefined when there is no such process, or only its zombie. */
function fromProc(pid: number): ProcessIdentity | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name in parentheses may hold spaces and parentheses: fields count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  const startTime = fields[19];
  if (!startTime) return undefined;
  let command: string;
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
  return { pid, startTime, command };
}

/** Asks `ps`: undefined when it lists no such process. */
function fromPs(pid: number): ProcessIdentity | undefined {
  try {
    const ask = (field: string) => execFileSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const startTime = ask('lstart');
    if (!startTime) return undefined;
    return { pid, startTime, command: ask('command') };
  } catch {
    return undefined;
  }
}

const canRead = process.platform === 'linux' ? 'proc' : process.platform === 'win32' ? 'nothing' : 'ps';

/** The process `pid` is now; undefined when none runs (or it cannot be told on this platform: see `canTell`). */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return canRead === 'proc' ? fromProc(pid) : canRead === 'ps' ? fromPs(pid) : undefined;
}

/** Whether this platform can tell processes apart at all. */
export function canTellProcesses(): boolean {
  return canRead !== 'nothing';
}

/**
 * `running`: the same process still runs (pid, start time and command
 * line match); `gone`: nothing of it runs (its pid is free or another
 * program's); `unknown`: this platform cannot tell.
 */
export function processState(recorded: ProcessIdentity): 'running' | 'gone' | 'unknown' {
  if (!canTellProcesses()) return 'unknown';
  const now = processIdentity(recorded.pid);
  return now && now.startTime === recorded.startTime && now.command === recorded.command ? 'running' : 'gone';
}
