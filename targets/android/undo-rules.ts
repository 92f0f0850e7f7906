/**
 * Removing the adb rules a run holds in its ledger (./run-ledger.ts): the
 * same `adb … --remove` whether it runs at the end of the run, at exit
 * (blocking: an `exit` listener cannot wait), or in the next run's sweep of
 * a killed one (./leftovers.ts). A rule whose phone went away went with it:
 * adb drops a device's rules when it disconnects.
 */
import { execFileSync } from 'node:child_process';
import { AdbCommandError, DeviceDisconnectedError, type Adb } from './adb.ts';
import { parseForwardList, type ForwardRule } from './adb-parsers.ts';
import type { RunLedger, Setup } from './run-ledger.ts';

type Rule = Extract<Setup, { kind: 'forward' | 'reverse' }>;

/** One blocking adb call at exit: long enough for a busy adb server, short enough not to hang the exit. */
const SYNC_ADB_TIMEOUT_MS = 3_000;

/** The port of a forward written down before adb picked one (./tracked-adb.ts). */
export const PENDING_PORT = 0;
const PENDING_LOCAL = `tcp:${PENDING_PORT}`;

export function isRule(setup: Setup): setup is Rule {
  return setup.kind === 'forward' || setup.kind === 'reverse';
}

/** The adb arguments that remove a rule. */
export function undoArgs(rule: Rule): string[] {
  return rule.kind === 'forward' ? ['-s', rule.serial, 'forward', '--remove', rule.local] : ['-s', rule.serial, 'reverse', '--remove', rule.remote];
}

/** What adb says when the rule is not there (any more). */
const NOT_THERE = /listener '[^']*' not found/i;

/** Whether an error from removing a rule means the rule is gone all the same. */
export function ruleIsGone(error: unknown): boolean {
  return error instanceof DeviceDisconnectedError || (error instanceof AdbCommandError && NOT_THERE.test(`${error.stderr}\n${error.stdout}`));
}

/**
 * The rules to remove for one in the ledger: itself, or for a forward still
 * pending (adb had not answered with its port), the phone's forwards to that
 * remote as adb lists them now.
 */
function concreteRules(rule: Rule, listed: () => ForwardRule[] | Promise<ForwardRule[]>): Rule[] | Promise<Rule[]> {
  if (rule.kind !== 'forward' || rule.local !== PENDING_LOCAL) return [rule];
  const pick = (rules: ForwardRule[]): Rule[] => rules.filter((found) => found.serial === rule.serial && found.remote === rule.remote).map((found) => ({ kind: 'forward', serial: rule.serial, local: found.local, remote: found.remote }));
  const rules = listed();
  return Array.isArray(rules) ? pick(rules) : rules.then(pick);
}

/** Removes every adb rule the ledger still holds; returns what could not be removed (adb missing, hung), left in the ledger. */
export async function removeRules(ledger: RunLedger, adb: Adb): Promise<string[]> {
  const problems: string[] = [];
  for (const rule of ledger.setups().filter(isRule)) {
    try {
      for (const concrete of await concreteRules(rule, () => adb.forwardList(rule.serial))) await adb.exec(undoArgs(concrete));
      ledger.remove(rule);
    } catch (error) {
      if (ruleIsGone(error)) ledger.remove(rule);
      else problems.push(`adb ${undoArgs(rule).join(' ')}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** The same, blocking, for an `exit` listener; failures stay in the ledger file for the next run. */
export function removeRulesNow(ledger: RunLedger, adb: Adb): void {
  const run = (args: string[]) => execFileSync(adb.executable, args, { env: adb.env, timeout: SYNC_ADB_TIMEOUT_MS, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  for (const rule of ledger.setups().filter(isRule)) {
    try {
      for (const concrete of concreteRules(rule, () => parseForwardList(run(['-s', rule.serial, 'forward', '--list']))) as Rule[]) run(undoArgs(concrete));
      ledger.remove(rule);
    } catch (error) {
      // Not there any more (the run's own cleanup, cut short by this exit, removed it a moment ago): gone all the same.
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      if (NOT_THERE.test(`${stderr ?? ''}\n${stdout ?? ''}`)) ledger.remove(rule);
      // Otherwise adb hung or is missing: the ledger file keeps it for the next run.
    }
  }
}
