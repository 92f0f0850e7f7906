/**
 * Runs a Node job in a worker process (the default) or in this process, and
 * gives back one outcome either way: a crash, a timeout or an interruption
 * becomes a failure of the phase the job was in.
 */
import { serializeError, type JobPhase } from '../../harness/core/record.ts';
import { callWorker, parkWorker, type WorkerAnswer, type WorkerCallOptions } from './child.ts';
import { probeRuntimes, runNodeJob, runNodePair } from './job.ts';
import type { JobOutcome, NodeJobSpec, NodePairSpec, PairOutcome, ProbedRuntime } from './protocol.ts';
import type { ProbeContext } from './runtime-types.ts';

/** How a job runs: a worker's call options (./child.ts; `pin` and `env` apply only to a worker process), and whether it gets one. */
export interface ExecuteOptions extends WorkerCallOptions {
  /** Own process per job (default true). */
  isolate: boolean;
}

/** A failed outcome whose error is named AbortError: the run was interrupted, the job did not fail. */
export function isAborted(outcome: JobOutcome): boolean {
  return !outcome.ok && outcome.error.name === 'AbortError';
}

export async function executeJob(job: NodeJobSpec, options: ExecuteOptions): Promise<JobOutcome> {
  if (!options.isolate) {
    const names = Object.keys(options.env ?? {});
    // A native library reads these when it loads: this process has loaded long ago.
    if (names.length) return { ok: false, phase: 'setup', error: serializeError(new Error(`${job.runtime} needs a process of its own started with ${names.join(', ')}; run it isolated (the default)`)) };
    return inProcess(job, options);
  }
  const answer = await callWorker({ type: 'job', job }, options);
  if (answer.kind !== 'answer') return { ok: false, phase: answer.phase, error: serializeError(answer.error) };
  if (answer.message.type !== 'job-done') return { ok: false, phase: 'setup', error: serializeError(new Error(`the worker answered "${answer.message.type}" to a job`)) };
  return answer.message.outcome;
}

/** A pair (A and B timed alternately) in one fresh worker; a crash or timeout fails both sides. */
export async function executePair(pair: NodePairSpec, options: ExecuteOptions): Promise<PairOutcome> {
  // In process only for tests: a fresh process per pair is the design, so each process's state is sampled anew.
  if (!options.isolate) return runNodePair(pair, options.onPhase);
  return pairOutcome(await callWorker({ type: 'pair', pair }, options));
}

/** A pair's worker started ahead of its turn (./ab.ts): both sides loaded, idle until `run`. */
export interface ParkedPair {
  /** Undefined once it is loaded and waiting; its failure when it ended before (a side that did not load, a crash). */
  ready: Promise<PairOutcome | undefined>;
  /** Its turn: first inferences, warm-up, the pairs (and the evaluation). */
  run(): Promise<PairOutcome>;
  /** Kills it: an earlier process failed the key. */
  stop(): void;
}

/** Starts a pair's worker parked; in this process (tests) nothing starts ahead: `run` runs it then. */
export async function parkPair(pair: NodePairSpec, options: ExecuteOptions): Promise<ParkedPair> {
  if (!options.isolate) return { ready: Promise.resolve(undefined), run: () => executePair(pair, options), stop: () => {} };
  const worker = await parkWorker({ type: 'pair', pair }, options);
  return {
    ready: worker.parked.then((answer) => (answer ? pairOutcome(answer) : undefined)),
    run: async () => pairOutcome(await worker.go()),
    stop: worker.stop,
  };
}

function pairOutcome(answer: WorkerAnswer): PairOutcome {
  if (answer.kind !== 'answer') return { ok: false, side: 'both', phase: answer.phase, error: serializeError(answer.error) };
  if (answer.message.type !== 'pair-done') return { ok: false, side: 'both', phase: 'setup', error: serializeError(new Error(`the worker answered "${answer.message.type}" to a pair`)) };
  return answer.message.outcome;
}

/** In this process: no isolation from crashes; a timeout stops waiting but cannot stop the work. */
async function inProcess(job: NodeJobSpec, options: ExecuteOptions): Promise<JobOutcome> {
  let phase: JobPhase = 'setup';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<JobOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, phase, error: serializeError(new Error(`the job timed out after ${options.timeoutMs} ms in phase "${phase}" (run.jobTimeoutMs)`)) }), options.timeoutMs);
  });
  try {
    return await Promise.race([
      runNodeJob(job, (next) => {
        phase = next;
        options.onPhase?.(next);
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Probes the runtimes (those named in `only`, when given: ./job.ts) in a worker process, or here when not isolated. */
export async function probeInWorker(runtimeModules: string[], threads: number, context: ProbeContext, options: ExecuteOptions, only?: readonly string[]): Promise<ProbedRuntime[]> {
  if (!options.isolate) return probeRuntimes(runtimeModules, threads, context, only);
  const answer = await callWorker({ type: 'probe', runtimeModules, threads, timeouts: context.timeouts, ...(only ? { only } : {}) }, options);
  if (answer.kind !== 'answer') throw answer.error;
  if (answer.message.type === 'probe-done') return answer.message.runtimes;
  if (answer.message.type === 'probe-failed') throw Object.assign(new Error(answer.message.error.message), { name: answer.message.error.name });
  throw new Error(`the worker answered "${answer.message.type}" to a probe`);
}
