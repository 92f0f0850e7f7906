/**
 * Native TFLite for the host's own work (bottlenecks through
 * models/feature-engine.ts; the hook for calibration passes): float32 .tflite
 * files on tfjs-tflite-node with XNNPACK, normalised float inputs in, every
 * output read back. Never measured, so it may use the cores as it likes.
 *
 * How it uses them: `instances` interpreters of `threads` threads each. With
 * more than one instance, each interpreter lives in its own child process and
 * calls run in parallel. One single-threaded interpreter per core beats one
 * interpreter with a thread per core: XNNPACK's threads wait for each other
 * at every operator, so on a host busy with other work one descheduled
 * thread stalls them all (measured here under load: MobileNetV2 21 ms on one
 * thread, 275 ms on two), while independent interpreters never wait.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TfliteRunner, TfliteRunnerSession } from '../../models/feature-engine.ts';
import { inspectTflite, withBatchSize } from '../../models/tflite/reader.ts';
import type { HostChildAnswer, HostChildRequest, HostChildSetup } from './tflite-host-child.ts';
import { floatInference, loadBinding, newInterpreter, xnnpackDelegate, xnnpackPlugin, type Delegate } from './tflite.ts';
import { HOST_CHILD_TREE, workerBundle } from './worker-bundle.ts';

/** The pool's child: a TypeScript module run through tsx, resolved from here so it works from any working folder (as ./child.ts does). */
const CHILD = fileURLToPath(new URL('./tflite-host-child.ts', import.meta.url));

/** One interpreter in this thread: calls run one after the other. */
function inThreadSession(model: ArrayBuffer, threads: number, delegate: Delegate | undefined, values: number): TfliteRunnerSession {
  let infer: ((data: Float32Array) => Float32Array[]) | undefined = floatInference(newInterpreter(model, threads, delegate).interpreter);
  return {
    async run(data) {
      if (!infer) throw new Error('tflite-node session used after dispose');
      if (data.length !== values) throw new Error(`expected ${values} input values, got ${data.length}`);
      return infer(data);
    },
    dispose() {
      // The binding frees the native interpreter when the object is garbage collected.
      infer = undefined;
    },
  };
}

/** `instances` interpreters in child processes: concurrent calls run in parallel, one per idle child, the rest queued. */
async function pooledSession(model: ArrayBuffer, threads: number, delegate: Delegate | undefined, values: number, instances: number): Promise<TfliteRunnerSession> {
  // The model goes to the children as a file: one write, instead of one IPC copy per child.
  const folder = await mkdtemp(join(tmpdir(), 'edgebench-host-tflite-'));
  const modelPath = join(folder, 'model.tflite');
  await writeFile(modelPath, new Uint8Array(model));
  const setup: HostChildSetup = { model: modelPath, threads, ...(delegate ? { delegate } : {}) };
  // Its cached bundle starts without tsx (./worker-bundle.ts); tsx (resolved here, not at import: importing this module must not need it) where there is none.
  const bundle = await workerBundle(HOST_CHILD_TREE);
  const execArgv = bundle ? [] : ['--import', import.meta.resolve('tsx')];
  const children = Array.from({ length: instances }, () => fork(bundle ?? CHILD, [JSON.stringify(setup)], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' }));
  const pending = new Map<number, { resolve: (outputs: Float32Array[]) => void; reject: (error: Error) => void }>();
  const idle: ChildProcess[] = [];
  const queue: HostChildRequest[] = [];
  let next = 0;
  let closed = false;
  const dispatch = () => {
    while (idle.length && queue.length) idle.pop()!.send(queue.shift()!);
  };
  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
    queue.length = 0;
  };
  const stop = () => {
    closed = true;
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const ready = children.map(
    (child) =>
      new Promise<void>((resolve, reject) => {
        let stderr = '';
        child.stderr?.on('data', (chunk: Buffer) => (stderr = `${stderr}${chunk.toString('utf8')}`.slice(-2000)));
        child.on('message', (answer: HostChildAnswer) => {
          if ('ready' in answer) {
            if (answer.ready) {
              idle.push(child);
              resolve();
              dispatch();
            } else reject(new Error(answer.error));
            return;
          }
          const waiting = pending.get(answer.id);
          pending.delete(answer.id);
          if ('outputs' in answer) waiting?.resolve(answer.outputs);
          else waiting?.reject(new Error(answer.error));
          idle.push(child);
          dispatch();
        });
        child.on('error', (error) => {
          reject(error);
          failAll(error);
        });
        child.on('exit', (code, signal) => {
          if (closed) return;
          const error = new Error(`a tflite-node host process ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`);
          reject(error);
          failAll(error);
        });
      }),
  );
  try {
    await Promise.all(ready);
  } catch (error) {
    stop();
    throw error;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  return {
    run(data) {
      if (closed) return Promise.reject(new Error('tflite-node session used after dispose'));
      if (data.length !== values) return Promise.reject(new Error(`expected ${values} input values, got ${data.length}`));
      return new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        queue.push({ id, data });
        dispatch();
      });
    },
    dispose() {
      stop();
      failAll(new Error('tflite-node session disposed'));
    },
  };
}

/** Float32 .tflite files on native TFLite with XNNPACK, for host work (see the module comment). */
export const tfliteHostRunner: TfliteRunner = {
  name: 'tflite-node',
  cores: availableParallelism(),
  async describe({ threads, instances }) {
    const plugin = await xnnpackPlugin();
    const how = instances > 1 ? `${instances} interpreters of ${threads} thread${threads === 1 ? '' : 's'} in parallel` : `${threads} thread${threads === 1 ? '' : 's'}`;
    return 'path' in plugin ? `XNNPACK, ${how}` : `TFLite builtin kernels, ${how} (${plugin.reason})`;
  },
  async open(source, { batchSize, threads, instances = 1 }) {
    loadBinding();
    const bytes = batchSize === 1 ? source : withBatchSize(source, batchSize);
    const summary = inspectTflite(bytes);
    const inputSummary = summary.inputs[0];
    if (summary.inputs.length !== 1 || inputSummary?.type !== 'float32') throw new Error(`host runs take one float32 input; this file has ${summary.inputs.map((tensor) => tensor.type).join(', ') || 'none'}`);
    const plugin = await xnnpackPlugin();
    const delegate = xnnpackDelegate(plugin);
    const model = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const values = inputSummary.shape.reduce((product, dim) => product * dim, 1);
    return instances > 1 ? pooledSession(model, threads, delegate, values, instances) : inThreadSession(model, threads, delegate, values);
  },
};
