/**
 * The `bench` command line. Subcommands are imported lazily so that heavy
 * runtimes (TF.js, Playwright, Appium) load only when a command needs them.
 * Only `main` decides the exit code; commands throw, never exit.
 */
import { stripVTControlCharacters } from 'node:util';
import { defineCommand, runCommand, renderUsage, type ArgsDef, type CommandDef } from 'citty';
import { argvProblem, closestName } from './cli-args.ts';
import type { CommandIo } from './commands/common.ts';
import { isUserError } from './core/errors.ts';
import { colourWanted } from './core/log.ts';
import { describeFsError } from './core/fs-errors.ts';
import { redactText } from './core/redact.ts';

const load = <T>(importer: () => Promise<{ default: T }>) => () => importer().then((module) => module.default);

export const subCommands = {
  all: load(() => import('./commands/all.ts')),
  retrain: load(() => import('./commands/retrain.ts')),
  convert: load(() => import('./commands/convert.ts')),
  inspect: load(() => import('./commands/inspect.ts')),
  run: load(() => import('./commands/run.ts')),
  report: load(() => import('./commands/report.ts')),
  history: load(() => import('./commands/history.ts')),
  compare: load(() => import('./commands/compare.ts')),
  ab: load(() => import('./commands/ab.ts')),
  calibrate: load(() => import('./commands/calibrate.ts')),
  devices: load(() => import('./commands/devices.ts')),
  profile: load(() => import('./commands/profile.ts')),
};

export const rootCommand = defineCommand({
  meta: {
    name: 'bench',
    version: '0.1.0',
    description: 'Retrain an image classifier, ship it as TF.js (Mobile) and .tflite (Lite), and benchmark both on every target found.',
  },
  subCommands,
});

/**
 * Where the CLI writes, and from where: the process's streams and working
 * folder unless a caller (a test) passes its own. Commands log here too
 * (commands/common.ts' CommandIo), so an in-process run captures everything.
 */
export interface CliOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether each stream is a terminal (colour, progress bars); false when absent. */
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  /** The working folder relative paths and the config file are found from (default process.cwd()). */
  cwd?: string;
}

const processOutput = (): CliOutput => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
});

/** citty colours its usage text whenever NO_COLOR and CI are unset: it keeps them only where the stream takes colour. */
async function usage(command: CommandDef, isTTY: boolean, parent?: CommandDef): Promise<string> {
  const text = await renderUsage(command, parent);
  return colourWanted(isTTY) ? text : stripVTControlCharacters(text);
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code:
 * 0 success, 1 failure, 2 usage error, other codes as a command documents them
 * (compare uses 1–3). Commands signal a code by returning it. With `--json`, a
 * user error is also one JSON document on stdout: `{ "error": { "code", "message" } }`,
 * the code being the UserError's stable code (`DATASET_EMPTY`, `CONFIG_INVALID` …).
 */
export async function main(argv: string[], output: CliOutput = processOutput()): Promise<number> {
  const io: CommandIo = { cwd: output.cwd ?? process.cwd(), stdout: output.stdout, stderr: output.stderr, stdoutIsTTY: output.stdoutIsTTY ?? false, stderrIsTTY: output.stderrIsTTY ?? false };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    output.stdout(`${await usage(rootCommand, io.stdoutIsTTY)}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    output.stdout('0.1.0\n');
    return 0;
  }
  const [name, ...rest] = argv;
  // Own names only: `bench constructor` is not a command.
  const loader = Object.hasOwn(subCommands, name ?? '') ? subCommands[name as keyof typeof subCommands] : undefined;
  if (!loader) {
    const near = closestName(name ?? '', Object.keys(subCommands));
    output.stderr(`error: unknown command "${name}": ${near ? `did you mean ${near}? ` : ''}choose from ${Object.keys(subCommands).join(', ')} (\`bench --help\`)\n`);
    return 2;
  }
  const command = (await loader()) as CommandDef;
  if (rest.includes('--help') || rest.includes('-h')) {
    output.stdout(`${await usage(command, io.stdoutIsTTY, rootCommand)}\n`);
    return 0;
  }
  // citty ignores flags it does not know: a misspelt flag is refused here, in one line (exit 2, a usage error).
  const problem = argvProblem(rest, (command.args ?? {}) as ArgsDef, `bench ${name}`);
  if (problem) {
    output.stderr(`error: ${problem}\n`);
    if (rest.includes('--json')) output.stdout(`${JSON.stringify({ error: { code: 'BAD_USAGE', message: problem } }, null, 2)}\n`);
    return 2;
  }
  try {
    const { result } = await runCommand(command, { rawArgs: rest, data: io });
    return typeof result === 'number' ? result : 0;
  } catch (error) {
    // Every message is scrubbed of credentials: an error may quote a URL or a key it was given.
    const print = (text: string) => output.stderr(redactText(text));
    const printJson = (code: string, message: string) => {
      if (rest.includes('--json')) output.stdout(`${JSON.stringify({ error: { code, message: redactText(message) } }, null, 2)}\n`);
    };
    if (isUserError(error)) {
      print(`error: ${error.message}
`);
      printJson(error.code, error.message);
      return 1;
    }
    const cittyCode = (error as { code?: string }).code;
    if (cittyCode === 'EARG') {
      // citty's message is coloured whatever the stream; the usage is `--help`'s, a line away.
      print(`error: ${stripVTControlCharacters((error as Error).message)} (\`bench ${name} --help\` lists the flags)\n`);
      return 2;
    }
    // A full disk or a folder we may not write to is the user's to fix, not a bug: one line naming the path.
    const fsProblem = describeFsError(error);
    if (fsProblem) {
      print(`error: ${fsProblem}\n`);
      printJson('FILESYSTEM', fsProblem);
      return 1;
    }
    print(`${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
