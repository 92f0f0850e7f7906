/**
 * Starts the worker process for one request and waits for its answer,
 * turning a crash, a timeout or Ctrl-C into a plain outcome. A pair's worker
 * may be started parked (ahead of its turn): it loads, waits idle, and runs
 * on when told to.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { JobPhase } from '../../harness/core/record.ts';
import type { PinCommand } from './affinity.ts';
import type { WorkerGo, WorkerMessage, WorkerRequest } from './protocol.ts';
import { bundledWorker } from './worker-bundle.ts';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
/** The worker is TypeScript run through tsx, resolved from here so it works from any working folder. */
const TSX = import.meta.resolve('tsx');
/** Lines of the worker's output kept to explain a crash. */
const TAIL_LINES = 20;

export type WorkerAnswer =
  | { kind: 'answer'; message: Exclude<WorkerMessage, { type: 'phase' }> }
  | { kind: 'crashed'; phase: JobPhase; error: Error }
  | { kind: 'timeout'; phase: JobPhase; error: Error }
  | { kind: 'aborted'; phase: JobPhase; error: Error };

export interface WorkerCallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onPhase?: (phase: JobPhase) => void;
  /** Each line the worker prints (TF.js notices, native warnings). */
  onOutput?: (line: string) => void;
  /** Start the worker through this command (CPU affinity, ./affinity.ts). */
  pin?: PinCommand;
  /** Variables the worker starts with, over this process's environment (a native library reads them when it loads). */
  env?: Record<string, string>;
  /** Another tree's worker.ts (an A/B baseline checked out at another commit): its code and packages run the job. Default this tree's. */
  worker?: string;
}

export async function callWorker(request: WorkerRequest, options: WorkerCallOptions): Promise<WorkerAnswer> {
  return (await startWorker(request, options)).answer;
}

/** A worker started with a parked pair request: loaded, it waits for `go`. */
export interface ParkedWorker {
  /** Settles when it is loaded and waiting (null), or with its answer when it ended before that (a load that failed, a crash). */
  parked: Promise<WorkerAnswer | null>;
  /** Its turn: it runs on from its first inference; its answer. The job timeout starts again here. */
  go(): Promise<WorkerAnswer>;
  /** Kills it, parked or not (its answer then reads as aborted). */
  stop(): void;
}

export async function parkWorker(request: WorkerRequest & { type: 'pair' }, options: WorkerCallOptions): Promise<ParkedWorker> {
  const started = await startWorker({ ...request, park: true }, options);
  return { parked: Promise.race([started.parked.then(() => null), started.answer]), go: () => (started.go(), started.answer), stop: started.stop };
}

interface StartedWorker {
  answer: Promise<WorkerAnswer>;
  /** Resolves when the worker says it is parked (never, unless the request parks it). */
  parked: Promise<void>;
  go(): void;
  stop(): void;
}

async function startWorker(request: WorkerRequest, options: WorkerCallOptions): Promise<StartedWorker> {
  // This tree's worker starts from its cached bundle (no tsx loader) where it can; another tree's always through tsx.
  const bundled = options.worker ? undefined : await bundledWorker(request);
  const bundle = bundled?.path;
  const sent = bundled?.request ?? request;
  let onParked: () => void = () => {};
  const parked = new Promise<void>((resolve) => (onParked = resolve));
  let control: Pick<StartedWorker, 'go' | 'stop'> = { go: () => {}, stop: () => {} };
  const answer = new Promise<WorkerAnswer>((resolve) => {
    let phase: JobPhase = 'setup';
    const tail: string[] = [];
    // Pinned: fork runs `taskset -c <cpus> node [--import tsx] worker`, which keeps the IPC channel.
    const child = fork(bundle ?? options.worker ?? WORKER, [], {
      ...(options.pin ? { execPath: options.pin.execPath } : {}),
      execArgv: [...(options.pin ? [...options.pin.args, process.execPath] : []), ...(bundle ? [] : ['--import', TSX])],
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let settled = false;
    const settle = (answer: WorkerAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      resolve(answer);
    };
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        options.onOutput?.(line);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);

    const timeout = () => setTimeout(() => settle({ kind: 'timeout', phase, error: new Error(`the job timed out after ${options.timeoutMs} ms in phase "${phase}" (run.jobTimeoutMs)`) }), options.timeoutMs);
    let timer = timeout();
    const onAbort = () => settle({ kind: 'aborted', phase, error: Object.assign(new Error('interrupted'), { name: 'AbortError' }) });
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'phase') {
        phase = message.phase;
        options.onPhase?.(phase);
        return;
      }
      if (message.type === 'parked') {
        // Waiting for its turn is not the job's time: the timeout starts again at go.
        clearTimeout(timer);
        onParked();
        return;
      }
      settle({ kind: 'answer', message });
    });
    // Only a process that never started is settled here; any other error is followed by 'close', which says what happened.
    child.on('error', (error) => {
      if (child.pid === undefined) settle({ kind: 'crashed', phase, error: new Error(`the worker process failed to start: ${error.message}`) });
    });
    // 'close' comes after the IPC channel and the output pipes are drained, so an answer sent just before exiting is never lost.
    child.on('close', (code, signal) => {
      // Only Ctrl-C in the terminal sends SIGINT (to the whole process group): the harness is stopping too.
      if (signal === 'SIGINT') return onAbort();
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const output = tail.length ? `; its last output:\n${tail.join('\n')}` : '';
      settle({ kind: 'crashed', phase, error: new Error(`the worker process ${how} during phase "${phase}" without answering${output}`) });
    });
    // A worker that dies before reading its request (Ctrl-C while it starts) makes this write fail: 'close' reports it.
    child.send(sent, (error) => {
      if (error) options.onOutput?.(`could not send the request: ${error.message}`);
    });
    control = {
      go: () => {
        if (settled) return;
        timer = timeout();
        child.send({ type: 'go' } satisfies WorkerGo, (error) => {
          if (error) options.onOutput?.(`could not send go: ${error.message}`);
        });
      },
      stop: () => onAbort(),
    };
  });
  return { answer, parked, go: () => control.go(), stop: () => control.stop() };
}
