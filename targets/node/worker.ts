/**
 * The Node target's worker process: receives one request over IPC, answers
 * once and exits. A native crash or a hang here fails one job only, peak RSS
 * is this job's alone, and all memory goes back to the OS between jobs.
 */
import { serializeError } from '../../harness/core/record.ts';
import { probeRuntimes, runNodeJob, runNodePair } from './job.ts';
import type { WorkerGo, WorkerMessage, WorkerRequest } from './protocol.ts';

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve())));
}

async function handle(request: WorkerRequest): Promise<void> {
  if (request.type === 'probe') {
    try {
      await send({ type: 'probe-done', runtimes: await probeRuntimes(request.runtimeModules, request.threads, { timeouts: request.timeouts }, request.only) });
    } catch (error) {
      await send({ type: 'probe-failed', error: serializeError(error) });
    }
    return;
  }
  if (request.type === 'pair') {
    // Parked: loaded, it says so and blocks on the parent's go, doing nothing while another process times its pairs.
    const go = new Promise<void>((resolve) => process.on('message', (message: WorkerGo) => message?.type === 'go' && resolve()));
    const loaded = request.park ? async () => (await send({ type: 'parked' }), await go) : undefined;
    await send({ type: 'pair-done', outcome: await runNodePair(request.pair, (phase) => void send({ type: 'phase', phase }), loaded) });
    return;
  }
  const outcome = await runNodeJob(request.job, (phase) => void send({ type: 'phase', phase }));
  if (outcome.ok) {
    // The kernel samples RSS between inferences; the OS's high-water mark (maxRSS) also catches peaks inside one.
    const highWater = process.resourceUsage().maxRSS * 1024;
    const sampled = outcome.result.memory.peakRssBytes ?? 0;
    outcome.result.memory.peakRssBytes = Math.max(sampled, highWater);
  }
  await send({ type: 'job-done', outcome });
}

if (!process.send) {
  process.stderr.write('targets/node/worker.ts runs as a child process of the Node target (it needs an IPC channel)\n');
  process.exit(2);
}

// The harness alone handles Ctrl-C, SIGTERM and SIGHUP (harness/interrupt.ts) and stops this worker
// itself when it aborts the job. A terminal's Ctrl-C (or a closed terminal's SIGHUP) reaches the whole
// process group: dying of it here first would make the job read as a crash.
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(name, () => {});
// The harness is gone (killed with -9): nobody will read the answer, so do not linger.
process.on('disconnect', () => process.exit(0));

process.once('message', (request: WorkerRequest) => {
  handle(request).then(
    // Backends may keep handles open (wasm threads, timers): leave explicitly once answered.
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
});
