/**
 * Where the CLI writes. `main(argv, output)` runs a command inside
 * `withOutput`, and everything the command prints (log lines, the --json
 * result, a report or compare table printed on stdout) goes to that output,
 * so a test runs the CLI in process and reads what a user would see.
 * It travels with the async context rather than through every command's
 * arguments: a command never chooses its output, only `main` does.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CliOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The process's own streams: what a command writes to outside `withOutput`. */
export const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const current = new AsyncLocalStorage<CliOutput>();

/** Runs `fn` with `output` as the output of everything it prints. */
export function withOutput<T>(output: CliOutput, fn: () => Promise<T>): Promise<T> {
  return current.run(output, fn);
}

/** The output of the command running now; the process's streams outside `main`. */
export function currentOutput(): CliOutput {
  return current.getStore() ?? processOutput;
}

/** Whether the output is the process's own stderr on a terminal (progress bars need one). */
export function outputIsTerminal(): boolean {
  return currentOutput() === processOutput && Boolean(process.stderr.isTTY);
}
