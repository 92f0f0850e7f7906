/**
 * adb whose forward and reverse rules are written in the run's ledger
 * (./run-ledger.ts) while they exist, so that no exit path leaves them
 * behind unnoticed (./exit-guard.ts, ./leftovers.ts). Both are written
 * down before they are made: a reverse with its port, a forward as pending
 * (`tcp:0`: adb picks the port) until adb answers, so a crash while adb is
 * making it still finds it (./undo-rules.ts removes a pending forward by
 * listing the phone's forwards to that remote).
 */
import type { Adb } from './adb.ts';
import type { RunLedger, Setup } from './run-ledger.ts';
import { PENDING_PORT, ruleIsGone } from './undo-rules.ts';

const forwardOf = (serial: string, port: number, remote: string): Setup => ({ kind: 'forward', serial, local: `tcp:${port}`, remote });
const reverseOf = (serial: string, port: number): Setup => ({ kind: 'reverse', serial, remote: `tcp:${port}`, local: `tcp:${port}` });

/** Runs `forget` once the removal worked, or failed because the rule is gone anyway; rethrows other failures. */
async function settle(removal: Promise<void>, forget: () => void): Promise<void> {
  try {
    await removal;
  } catch (error) {
    if (ruleIsGone(error)) forget();
    throw error;
  }
  forget();
}

export function trackedAdb(adb: Adb, ledger: RunLedger): Adb {
  /** The remote of each forward made, by serial and port, for its removal. */
  const remotes = new Map<string, string>();
  return {
    ...adb,
    async reverse(serial, port) {
      ledger.add(reverseOf(serial, port));
      await adb.reverse(serial, port);
    },
    async removeReverse(serial, port) {
      await settle(adb.removeReverse(serial, port), () => ledger.remove(reverseOf(serial, port)));
    },
    async forward(serial, remote) {
      const pending = forwardOf(serial, PENDING_PORT, remote);
      ledger.add(pending);
      try {
        const port = await adb.forward(serial, remote);
        remotes.set(`${serial} ${port}`, remote);
        ledger.add(forwardOf(serial, port, remote));
        return port;
      } finally {
        ledger.remove(pending);
      }
    },
    async removeForward(serial, port) {
      const remote = remotes.get(`${serial} ${port}`);
      await settle(adb.removeForward(serial, port), () => {
        remotes.delete(`${serial} ${port}`);
        if (remote !== undefined) ledger.remove(forwardOf(serial, port, remote));
      });
    },
  };
}
