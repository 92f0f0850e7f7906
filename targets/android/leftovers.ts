/**
 * What earlier runs killed before they could clean up (kill -9, a power
 * cut of the terminal, an OOM kill) left behind: `adb forward` rules that
 * keep the phone's Chrome DevTools open to every local user, `adb reverse`
 * rules, and the Appium server they started. Found at the next start from
 * the ledgers in the private folder (./run-ledger.ts), removed, and one
 * line printed for each.
 *
 * Only a ledger whose run is gone is swept (its pid free, or another
 * program's by start time and command line); a run still going is left
 * alone. A rule is removed only while adb still lists it exactly as
 * recorded, and Appium is signalled only while its pid is still that
 * Appium (harness/core/process-identity.ts): never a stranger's rule or
 * process. Two runs starting together do not both sweep one ledger: a run
 * first claims it by renaming it.
 */
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processIdentity, processState, type ProcessIdentity } from '../../harness/core/process-identity.ts';
import { firstLine } from '../../harness/core/format.ts';
import { DeviceDisconnectedError, type Adb } from './adb.ts';
import { ledgerFiles, readLedger, recoverInterrupted, writeLedger, type Setup } from './run-ledger.ts';
import { isRule, undoArgs } from './undo-rules.ts';

export interface SweepOptions {
  /** The ledger folder (./run-ledger.ts `ledgerDir`). */
  dir: string;
  adb: Adb;
  /** This run: its own ledger is not a leftover. */
  self: ProcessIdentity;
  /** Where each line goes (the run's log, as a warning). */
  say(line: string): void;
  /** How long a leftover Appium has to stop on SIGTERM before SIGKILL. Default 3 s. */
  stopWaitMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Signals the process group a detached child leads (Appium and the chromedriver it started); false when the group is gone. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** TERM (and CONT, so a stopped process gets it), a wait, then KILL for what is left of the group. */
async function endGroup(pgid: number, waitMs: number, running: () => boolean): Promise<boolean> {
  signalGroup(pgid, 'SIGTERM');
  signalGroup(pgid, 'SIGCONT');
  const deadline = Date.now() + waitMs;
  while (running() && Date.now() < deadline) await sleep(100);
  if (running()) {
    signalGroup(pgid, 'SIGKILL');
    await sleep(200);
  }
  return !running();
}

/**
 * Stops a leftover Appium if its pid is still that Appium; or, when Appium
 * itself is gone (it dies of a closed pipe on its next log line), what is
 * left of its process group (the chromedriver it started). A group's id
 * cannot be handed to a new process while any member lives, so members of a
 * group whose leader pid is free are Appium's own.
 */
async function stopAppium(identity: ProcessIdentity, waitMs: number): Promise<'stopped' | 'group stopped' | 'gone' | 'unknown' | 'still running'> {
  const state = processState(identity);
  if (state === 'unknown') return 'unknown';
  if (state === 'running') return (await endGroup(identity.pid, waitMs, () => processState(identity) === 'running')) ? 'stopped' : 'still running';
  if (processIdentity(identity.pid) !== undefined || !signalGroup(identity.pid, 0)) return 'gone';
  return (await endGroup(identity.pid, waitMs, () => signalGroup(identity.pid, 0))) ? 'group stopped' : 'still running';
}

/** Removes one ledger's rules that adb still lists; returns the setups that must be tried again next time. */
async function sweepRules(rules: Array<Extract<Setup, { kind: 'forward' | 'reverse' }>>, adb: Adb, owner: string, say: (line: string) => void): Promise<Setup[]> {
  const keep: Setup[] = [];
  for (const serial of new Set(rules.map((rule) => rule.serial))) {
    const mine = rules.filter((rule) => rule.serial === serial);
    for (const kind of ['forward', 'reverse'] as const) {
      const wanted = mine.filter((rule) => rule.kind === kind);
      if (wanted.length === 0) continue;
      let listed: Array<{ local: string; remote: string; serial?: string }>;
      try {
        listed = kind === 'forward' ? await adb.forwardList(serial) : await adb.reverseList(serial);
      } catch (error) {
        // A phone that went away took its rules with it; adb missing or hung: try again next time.
        if (!(error instanceof DeviceDisconnectedError)) keep.push(...wanted);
        continue;
      }
      for (const rule of wanted) {
        const there = listed.some((entry) => entry.local === rule.local && entry.remote === rule.remote && (entry.serial === undefined || entry.serial === serial));
        if (!there) continue;
        try {
          await adb.exec(undoArgs(rule));
          const what = rule.kind === 'forward' ? `adb forward ${rule.local} → ${rule.remote}` : `adb reverse ${rule.remote} → ${rule.local}`;
          say(`android: removed a stale ${what} on ${serial}, left by an earlier run (${owner}) that ended without removing it`);
        } catch (error) {
          if (!(error instanceof DeviceDisconnectedError)) {
            keep.push(rule);
            say(`android: could not remove a stale adb ${rule.kind} on ${serial} (${firstLine(error)}); it is tried again next run`);
          }
        }
      }
    }
  }
  return keep;
}

/** Sweeps every ledger in `dir` whose run is gone; returns the lines said. */
export async function sweepLeftovers(options: SweepOptions): Promise<string[]> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    options.say(line);
  };
  recoverInterrupted(options.dir, (pid) => processIdentity(pid) !== undefined);
  for (const name of ledgerFiles(options.dir)) {
    const path = join(options.dir, name);
    let ledger;
    try {
      ledger = readLedger(path);
    } catch (error) {
      // The folder is ours alone: a file there that does not read is a ledger cut short (a full disk).
      rmSync(path, { force: true });
      say(`android: removed an unreadable run ledger (${firstLine(error)})`);
      continue;
    }
    const { owner } = ledger;
    if (owner.pid === options.self.pid && owner.startTime === options.self.startTime) continue;
    // Still running (a run beside this one), or this platform cannot tell: not ours to touch.
    if (processState(owner) !== 'gone') continue;
    const claimed = `${path}.sweep-${options.self.pid}`;
    try {
      renameSync(path, claimed);
    } catch {
      continue; // Another run claimed it first.
    }
    const ownerName = `pid ${owner.pid}`;
    const keep = await sweepRules(ledger.setups.filter(isRule), options.adb, ownerName, say);
    for (const setup of ledger.setups) {
      if (setup.kind !== 'appium') continue;
      const outcome = await stopAppium(setup.process, options.stopWaitMs ?? 3_000);
      if (outcome === 'stopped') say(`android: stopped a leftover Appium server (pid ${setup.process.pid}) started by an earlier run (${ownerName}) that ended without stopping it`);
      else if (outcome === 'group stopped') say(`android: stopped what was left of an Appium server (pid ${setup.process.pid}, its chromedriver) started by an earlier run (${ownerName}) that ended without stopping it`);
      else if (outcome !== 'gone') {
        keep.push(setup);
        say(`android: a leftover Appium server (pid ${setup.process.pid}) of an earlier run ${outcome === 'unknown' ? 'cannot be checked on this platform' : 'did not stop'}: end it by hand`);
      }
    }
    if (keep.length > 0) writeLedger(path, { ...ledger, setups: keep });
    rmSync(claimed, { force: true });
  }
  return lines;
}
