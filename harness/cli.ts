/**
 * The `bench` command line. Subcommands are imported lazily so that heavy
 * runtimes (TF.js, Playwright, Appium) load only when a command needs them.
 * Only `main` decides the exit code; commands throw, never exit.
 */
import { defineCommand, runCommand, renderUsage, type CommandDef } from 'citty';
import { isUserError } from './core/errors.ts';
import { describeFsError } from './core/fs-errors.ts';
import { redactText } from './core/redact.ts';
import { processOutput, withOutput, type CliOutput } from './core/output.ts';

export type { CliOutput } from './core/output.ts';

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
  calibrate: load(() => import('./commands/calibrate.ts')),
  devices: load(() => import('./commands/devices.ts')),
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
 * Runs the CLI with `argv` (without node and script) and returns the exit code:
 * 0 success, 1 failure, 2 usage error, other codes as a command documents them
 * (compare uses 1–3). Commands signal a code by returning it. With `--json`, a
 * user error is also one JSON document on stdout: `{ "error": { "code", "message" } }`,
 * the code being the UserError's stable code (`DATASET_EMPTY`, `CONFIG_INVALID` …).
 */
export async function main(argv: string[], output: CliOutput = processOutput): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    output.stdout(`${await renderUsage(rootCommand)}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    output.stdout('0.1.0\n');
    return 0;
  }
  const [name, ...rest] = argv;
  const loader = subCommands[name as keyof typeof subCommands];
  if (!loader) {
    output.stderr(`error: unknown command "${name}"\n\n${await renderUsage(rootCommand)}\n`);
    return 2;
  }
  const command = (await loader()) as CommandDef;
  if (rest.includes('--help') || rest.includes('-h')) {
    output.stdout(`${await renderUsage(command, rootCommand)}\n`);
    return 0;
  }
  try {
    // Everything the command prints goes to `output` (core/output.ts): tests run the CLI in process.
    const { result } = await withOutput(output, () => runCommand(command, { rawArgs: rest }));
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
      print(`error: ${(error as Error).message}\n\n${await renderUsage(command, rootCommand)}\n`);
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
