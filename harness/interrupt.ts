/**
 * Ctrl-C (SIGINT), SIGTERM and SIGHUP, handled by the harness alone: the
 * first one aborts the signal so work stops cleanly (the record is marked
 * interrupted, the summary printed, `bench all` still writes its report);
 * a second one exits at once.
 *
 * Nothing else may act on these signals first: Playwright is launched with
 * its own handlers off (targets/browser/launcher.ts), the Node workers ignore
 * them and are stopped by the harness (targets/node/worker.ts), and Appium
 * runs in its own process group so a Ctrl-C in the terminal does not reach it
 * before the harness has closed its sessions (targets/android/appium-server.ts).
 */
import { UserError } from './core/errors.ts';
import type { Logger } from './core/log.ts';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Exit code after a second signal: 128 + the signal number, as a shell reports it. */
const EXIT_CODES: Record<(typeof STOP_SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export async function withInterrupt<T>(log: Logger, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const handlers = STOP_SIGNALS.map((name) => {
    const onSignal = () => {
      // Exit listeners (the run record, the out-folder lock) still run on process.exit.
      if (controller.signal.aborted) process.exit(EXIT_CODES[name]);
      // SIGHUP: the terminal may be gone, and writing to it then fails (EIO, EPIPE). That must not stop the
      // record and the report from being written: output errors are ignored from here on.
      if (name === 'SIGHUP') for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
      log.warn(`${name === 'SIGINT' ? 'interrupted' : `${name} received`}: finishing cleanly (${name === 'SIGINT' ? 'Ctrl-C' : name} again to quit at once)`);
      controller.abort(new Error('interrupted by the user'));
    };
    process.on(name, onSignal);
    return [name, onSignal] as const;
  });
  try {
    return await work(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) throw new UserError('interrupted by the user', 'INTERRUPTED');
    throw error;
  } finally {
    for (const [name, onSignal] of handlers) process.off(name, onSignal);
  }
}
