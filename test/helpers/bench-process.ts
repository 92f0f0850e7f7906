/**
 * The arguments that start `bench <args>` as a child process under the tests'
 * own loader (./bench-entry.ts): what harness/bin.js runs, without tsx.
 */
import { fileURLToPath } from 'node:url';

const LOADER = new URL('../ts-loader.js', import.meta.url).href;
const ENTRY = fileURLToPath(new URL('./bench-entry.ts', import.meta.url));

/** `spawn(process.execPath, benchProcessArgs(args))` runs `bench <args>`. */
export function benchProcessArgs(args: readonly string[]): string[] {
  return ['--import', LOADER, ENTRY, ...args];
}
