/**
 * The run's last word on what it set up (./run-ledger.ts), for the exits
 * that skip the target's `dispose`: `process.exit` (a second Ctrl-C), an
 * uncaught exception or rejection in the harness, and SIGINT, SIGTERM or
 * SIGHUP when nothing else handles them (outside `bench run`, whose own
 * handler, harness/interrupt.ts, stops the run cleanly and disposes).
 *
 * An `exit` listener can only do synchronous work, so the forward and
 * reverse rules still held are removed with blocking adb calls, each
 * bounded. The Appium server stops on exit by itself (./appium-server.ts).
 * Armed only while the ledger holds something, so a run that set nothing
 * up changes nothing about how the process ends.
 */
import { constants } from 'node:os';
import type { Adb } from './adb.ts';
import type { RunLedger } from './run-ledger.ts';
import { removeRulesNow } from './undo-rules.ts';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Keeps the exit and signal hooks armed exactly while `ledger` holds something, for the ledger's life. */
export function guardOnExit(ledger: RunLedger, adb: () => Adb | undefined): void {
  const onExit = () => {
    const current = adb();
    if (current) removeRulesNow(ledger, current);
  };
  const onSignal = (name: (typeof SIGNALS)[number]) => () => {
    // Someone else handles it (bench run stops cleanly, then disposes): leave it to them.
    if (process.listenerCount(name) > 1) return;
    // Nobody does: the process would have died of it. Exit as it would have, after cleaning up (exit listeners run).
    process.exit(128 + (constants.signals[name] ?? 15));
  };
  const handlers = SIGNALS.map((name) => [name, onSignal(name)] as const);
  let armed = false;
  const arm = (on: boolean) => {
    if (on === armed) return;
    armed = on;
    const method = on ? 'on' : 'off';
    process[method]('exit', onExit);
    for (const [name, handler] of handlers) process[method](name, handler);
  };
  ledger.onChange((setups) => arm(setups.length > 0));
  arm(ledger.setups().length > 0);
}
