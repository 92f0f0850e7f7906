/**
 * What this run set up outside its own process that must not outlive it:
 * `adb forward` rules (the phone's Chrome DevTools, unauthenticated, on a
 * host port), `adb reverse` rules and the Appium server it started. Held in
 * memory for the run's own cleanup (./exit-guard.ts on a crash or a signal),
 * and in a small file so that the next run finds what a run killed with
 * `kill -9` left behind (./leftovers.ts).
 *
 * The file lives in a private folder (harness/core/private-dir.ts:
 * `~/.cache/edgebench/android-runs/`, 0700, ours), not in the out folder:
 * adb rules belong to the host's adb server, not to an out folder, so a
 * later run with another `--out` must find them; and the next run removes
 * rules and signals a process named in the file, which must not be a file
 * another local user could have written (an out folder may be shared).
 * One file per run, named after its process, so runs side by side never
 * touch each other's.
 */
import { lstatSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { privateCacheDir, privateFileProblem } from '../../harness/core/private-dir.ts';
import { processIdentity, type ProcessIdentity } from '../../harness/core/process-identity.ts';

const identitySchema = z.strictObject({ pid: z.number().int().positive(), startTime: z.string().max(200), command: z.string().max(20_000) });
const setupSchema = z.discriminatedUnion('kind', [
  /** `adb -s <serial> forward <local> <remote>`; `local` is `tcp:<port>`. */
  z.strictObject({ kind: z.literal('forward'), serial: z.string().max(200), local: z.string().regex(/^tcp:\d{1,5}$/), remote: z.string().max(200) }),
  /** `adb -s <serial> reverse <remote> <local>`; `remote` is `tcp:<port>` on the phone. */
  z.strictObject({ kind: z.literal('reverse'), serial: z.string().max(200), remote: z.string().regex(/^tcp:\d{1,5}$/), local: z.string().regex(/^tcp:\d{1,5}$/) }),
  /** The Appium server this run started (in its own process group). */
  z.strictObject({ kind: z.literal('appium'), process: identitySchema }),
]);
const ledgerSchema = z.strictObject({ version: z.literal(1), owner: identitySchema, setups: z.array(setupSchema).max(1_000) });

export type Setup = z.infer<typeof setupSchema>;
export type LedgerFile = z.infer<typeof ledgerSchema>;

/** The folder of ledgers in the private cache; `{ reason }` when there is no private place. */
export function ledgerDir(env: NodeJS.ProcessEnv = process.env): { dir: string } | { reason: string } {
  return privateCacheDir('android-runs', env);
}

/** Ledger files are small; anything bigger was not written by us. */
const MAX_LEDGER_BYTES = 256 * 1024;
const LEDGER_NAME = /^\d+-[\w.:-]+\.json$/;

/** Ledger files in `dir` (names only), besides temporary ones. */
export function ledgerFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => LEDGER_NAME.test(name));
  } catch {
    return [];
  }
}

/**
 * Files a process left half-way: a ledger being written (`<name>.<pid>.tmp`)
 * or being swept (`<name>.sweep-<pid>`), by a process that is gone. A sweep
 * cut short goes back to its ledger name (to be swept again); a write cut
 * short is dropped (the ledger before it still stands).
 */
export function recoverInterrupted(dir: string, running: (pid: number) => boolean): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = /^(\d+-[\w.:-]+\.json)(?:\.(\d+)\.tmp|\.sweep-(\d+))$/.exec(name);
    if (!match || running(Number(match[2] ?? match[3]))) continue;
    try {
      if (match[3]) renameSync(join(dir, name), join(dir, match[1]!));
      else rmSync(join(dir, name), { force: true });
    } catch {
      // Another run got there first.
    }
  }
}

/** Reads and checks a ledger file: a regular file of ours that only we can write, small, in the schema. Throws with why not. */
export function readLedger(path: string): LedgerFile {
  const problem = privateFileProblem(path);
  if (problem) throw new Error(`${path} is not ours to trust: ${problem}`);
  if (lstatSync(path).size > MAX_LEDGER_BYTES) throw new Error(`${path} is larger than ${MAX_LEDGER_BYTES} bytes`);
  const parsed = ledgerSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a run ledger: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Writes `ledger` to `path` whole (a temporary file of ours, 0600, renamed over it): a reader never sees half of it. */
export function writeLedger(path: string, ledger: LedgerFile): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(ledger), { mode: 0o600, flag: 'w' });
  renameSync(temporary, path);
}

function sameSetup(a: Setup, b: Setup): boolean {
  if (a.kind === 'appium') return b.kind === 'appium' && a.process.pid === b.process.pid;
  return b.kind === a.kind && a.serial === b.serial && a.local === b.local && a.remote === b.remote;
}

/** This run's ledger: what it set up, in memory and (when there is a private folder) on disk. */
export class RunLedger {
  private readonly held: Setup[] = [];
  private readonly listeners = new Set<(setups: readonly Setup[]) => void>();

  /**
   * @param file where the ledger is kept; undefined: memory only (no
   *   private folder: the run still cleans up after itself, but a kill -9
   *   leaves what it set up for the user to remove).
   */
  constructor(
    readonly file: string | undefined,
    readonly owner: ProcessIdentity,
  ) {}

  /** The ledger of this process in the private cache folder of `env`; memory only, with `why`, when there is none. */
  static open(env: NodeJS.ProcessEnv = process.env): { ledger: RunLedger; why?: string } {
    const owner = processIdentity(process.pid) ?? { pid: process.pid, startTime: 'unknown', command: process.argv.join(' ') };
    const place = ledgerDir(env);
    if ('reason' in place) return { ledger: new RunLedger(undefined, owner), why: place.reason };
    return { ledger: new RunLedger(join(place.dir, `${owner.pid}-${owner.startTime.replace(/[^\w.:-]/g, '_')}.json`), owner) };
  }

  setups(): readonly Setup[] {
    return this.held;
  }

  /** Called with what is held after every change (./exit-guard.ts arms and disarms on it). */
  onChange(listener: (setups: readonly Setup[]) => void): void {
    this.listeners.add(listener);
  }

  add(setup: Setup): void {
    if (this.held.some((held) => sameSetup(held, setup))) return;
    this.held.push(setup);
    this.changed();
  }

  remove(setup: Setup): void {
    const index = this.held.findIndex((held) => sameSetup(held, setup));
    if (index < 0) return;
    this.held.splice(index, 1);
    this.changed();
  }

  /** Forgets everything (after it was removed). */
  clear(): void {
    if (this.held.length === 0) return;
    this.held.length = 0;
    this.changed();
  }

  private changed(): void {
    if (this.file) {
      try {
        if (this.held.length === 0) rmSync(this.file, { force: true });
        else writeLedger(this.file, { version: 1, owner: this.owner, setups: this.held });
      } catch {
        // A full disk must not fail the job: the run's own cleanup still works from memory.
      }
    }
    for (const listener of this.listeners) listener(this.held);
  }
}
