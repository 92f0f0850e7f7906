/**
 * `bench` as a child process, as a terminal starts it (its own process
 * group), for tests that signal or kill it, and a poll for what it did.
 * It runs harness/cli.ts's `main` under the tests' loader (./bench-entry.ts)
 * rather than harness/bin.js under tsx: the same code and process, less
 * tsx's start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./bench-entry.ts', import.meta.url));
/** The tests' loader, by URL: a child may run from another folder. */
export const TS_LOADER = new URL('../ts-loader.js', import.meta.url).href;
/** Node's arguments that start `bench` under the tests' loader; the CLI's own follow. */
export const BENCH_NODE_ARGS = ['--import', TS_LOADER, ENTRY];

/** `spawn(process.execPath, benchProcessArgs(args))` runs `bench <args>`. */
export function benchProcessArgs(args: readonly string[]): string[] {
  return [...BENCH_NODE_ARGS, ...args];
}

export interface BenchChild {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startBench(args: string[], env: NodeJS.ProcessEnv): BenchChild {
  const child = spawn(process.execPath, [...BENCH_NODE_ARGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...env, NO_COLOR: '1' } });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, output: () => text, exit };
}

/** Polls `check` every 100 ms until it returns something truthy; fails with `what` and `output()` after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, output: () => string, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s:\n${output()}`);
}
