/**
 * The `bench` CLI run in this process through `main(argv, output)`, as a user
 * would run it but without starting Node, tsx and TF.js again for each
 * command. Tests about signals, exit, kill -9, a fresh process's state (the
 * secrets registry) or a process's own setup keep spawning harness/bin.js.
 */
import { stripVTControlCharacters } from 'node:util';
import { main } from '../../harness/cli.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bench <argv>` from `cwd` (the process's folder is changed for the
 * call and restored). Colour escapes are stripped: picocolors decides colour
 * once per process, from this test process's environment (on CI, `CI` turns
 * it on), where a spawned command was given NO_COLOR.
 */
export async function bench(argv: string[], options: { cwd?: string } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const before = process.cwd();
  if (options.cwd) process.chdir(options.cwd);
  try {
    const code = await main(argv, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) });
    return { code, stdout: stripVTControlCharacters(stdout), stderr: stripVTControlCharacters(stderr) };
  } finally {
    process.chdir(before);
  }
}
