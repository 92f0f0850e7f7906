/**
 * Ctrl-C handling: the first SIGINT aborts the signal so work stops cleanly
 * (records are kept, the command says where); a second one exits at once.
 */
import { UserError } from './core/errors.ts';
import type { Logger } from './core/log.ts';

export async function withInterrupt<T>(log: Logger, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    log.warn('interrupted: finishing cleanly (Ctrl-C again to quit at once)');
    controller.abort(new Error('interrupted by the user'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) throw new UserError('interrupted by the user', 'INTERRUPTED');
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
