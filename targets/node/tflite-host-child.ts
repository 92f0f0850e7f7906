/**
 * One interpreter of the host runner's pool (./tflite-host.ts), in a child
 * process of its own: forked with tsx like the Node target's worker
 * (./child.ts), told its model file, threads and delegate on the command
 * line, then answering one inference per message over IPC. Processes, not
 * worker threads: tfjs-tflite-node's addon keeps per-process state, and a
 * second set of worker threads crashed the whole process here ("Entering the
 * V8 API without proper locking").
 */
import { readFileSync } from 'node:fs';
import { floatInference, newInterpreter, type Delegate } from './tflite.ts';

/** What the parent passes as the one command-line argument (JSON). */
export interface HostChildSetup {
  model: string;
  threads: number;
  delegate?: Delegate;
}

/** Parent → child: one inference. */
export interface HostChildRequest {
  id: number;
  data: Float32Array;
}

/** Child → parent: ready (or not) once, then one answer per request. */
export type HostChildAnswer = { ready: true } | { ready: false; error: string } | { id: number; outputs: Float32Array[] } | { id: number; error: string };

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function send(answer: HostChildAnswer): void {
  process.send!(answer);
}

function start(setup: HostChildSetup): void {
  let infer: (data: Float32Array) => Float32Array[];
  try {
    const bytes = readFileSync(setup.model);
    const model = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    infer = floatInference(newInterpreter(model, setup.threads, setup.delegate).interpreter);
  } catch (error) {
    send({ ready: false, error: messageOf(error) });
    return;
  }
  send({ ready: true });
  process.on('message', ({ id, data }: HostChildRequest) => {
    try {
      send({ id, outputs: infer(data) });
    } catch (error) {
      send({ id, error: messageOf(error) });
    }
  });
}

if (!process.send) {
  process.stderr.write('targets/node/tflite-host-child.ts runs as a child process of the host runner (it needs an IPC channel)\n');
  process.exit(2);
}
// Ctrl-C is the harness's to handle: it stops this process through dispose(), or by closing the IPC channel.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});
process.on('disconnect', () => process.exit(0));
start(JSON.parse(process.argv[2]!) as HostChildSetup);
