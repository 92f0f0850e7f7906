/**
 * Flags every command takes, and the one place they turn into a resolved
 * config and a logger.
 */
import type { ArgsDef } from 'citty';
import type { z } from 'zod';
import { configSchema, deepMerge, type ResolvedConfig } from '../core/config.ts';
import { CONFIG_FILES, loadConfig } from '../config-file.ts';
import { UserError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { normalizationProblem, type Normalization } from '../core/metadata.ts';
import { registerSecrets, secretsIn } from '../core/redact.ts';
import { checkOutFolder, resolveOutFolder } from '../out-folder.ts';
import { lockOutFolder, type OutLock } from '../out-lock.ts';
import { closeAbandonedRuns } from '../record-store.ts';

export const commonArgs = {
  out: { type: 'string', description: 'Output folder for caches, artifacts and runs (default .bench)', valueHint: 'dir' },
  config: { type: 'string', description: `Config file (default: the first of ${CONFIG_FILES.join(', ')} in the working folder)`, valueHint: 'file' },
  json: { type: 'boolean', description: 'Print the result as JSON on stdout (messages stay on stderr)' },
  quiet: { type: 'boolean', description: 'Only warnings and errors' },
  verbose: { type: 'boolean', description: 'Debug output' },
} as const satisfies ArgsDef;

/** Flags shared by commands that retrain or use the dataset. */
export const datasetArgs = {
  images: { type: 'string', description: 'Class-per-folder image root (default: the generated dataset)', valueHint: 'dir' },
  model: { type: 'string', description: 'Backbone ids, comma-separated (default mobilenet_v2,inception_v3)', valueHint: 'ids' },
} as const satisfies ArgsDef;

/**
 * Where a command reads and writes besides its files: the CLI's streams and
 * working folder. `main` (harness/cli.ts) passes it to every command, so an
 * in-process caller (a test) captures the log too, not only the errors.
 */
export interface CommandIo {
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether each stream is a terminal: colour and progress bars only there. */
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

export const processIo = (): CommandIo => ({
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
});

export interface CommandContext {
  config: ResolvedConfig;
  log: Logger;
  /** Documents a command prints as its output (a markdown report), besides the logger's JSON result. */
  stdout: (text: string) => void;
  /** Absolute output folder. */
  out: string;
  cwd: string;
  /** Held when setup was asked for it (`out: 'lock'`); the command releases it when done. */
  lock?: OutLock;
}

export interface SetupNeeds {
  /**
   * What the command does with the out folder, checked before any long work:
   * `none` (inspect), `read` (history, compare: it must be a folder if it
   * exists), `write` (made and written to), `lock` (written, and held
   * against a second writer: run, all, retrain, convert). Default `write`.
   */
  out?: 'none' | 'read' | 'write' | 'lock';
  /** The command name for the lock (`bench run`). */
  command?: string;
}

type Parsed = Record<string, unknown>;

/** Splits `a,b , c` into ['a','b','c']; undefined stays undefined. */
export function list(value: unknown): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  return items.length ? items : undefined;
}

/** A numeric flag, or undefined; a non-number is left as is so validation names it. */
export function num(value: unknown): number | string | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : String(value);
}

/** How a flag's text becomes its config value. */
export type FlagReader = 'text' | 'number' | 'list' | 'numbers' | 'boolean' | 'off-when-set';

/** A command's flags that set config values: flag → [config path, reader]. One table per flag set, read by `overridesFrom`. */
export type FlagPaths = Record<string, readonly [path: string, reader: FlagReader]>;

/** Config values set by flags, and which flag set each path (so that a bad value names the flag, not the config key). */
export interface FlagOverrides {
  values: Record<string, unknown>;
  /** Config path (`run.threads`) → flag (`--threads`). */
  flagOf: Record<string, string>;
}

function read(value: unknown, reader: FlagReader): unknown {
  switch (reader) {
    case 'text':
      return typeof value === 'string' ? value : undefined;
    case 'number':
      return num(value);
    case 'list':
      return list(value);
    case 'numbers':
      return list(value)?.map(num);
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'off-when-set':
      return value === true ? false : undefined;
  }
}

/** The config values of the flags in `paths` that were given. */
export function overridesFrom(args: Parsed, paths: FlagPaths): FlagOverrides {
  const values: Record<string, unknown> = {};
  const flagOf: Record<string, string> = {};
  for (const [flag, [path, reader]] of Object.entries(paths)) {
    const value = read(args[flag], reader);
    if (value === undefined) continue;
    const keys = path.split('.');
    let node = values;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[keys.at(-1)!] = value;
    flagOf[path] = `--${flag}`;
  }
  return { values, flagOf };
}

/** Later overrides win, as later flags sets do (`bench all`: retrain, convert, then run flags). */
export function mergeOverrides(...parts: FlagOverrides[]): FlagOverrides {
  return {
    values: parts.reduce<Record<string, unknown>>((merged, part) => deepMerge(merged, part.values) as Record<string, unknown>, {}),
    flagOf: Object.assign({}, ...parts.map((part) => part.flagOf)) as Record<string, string>,
  };
}

/**
 * A whole-number flag that sets no config value (`--runs`, `--limit`): its
 * value, or undefined when not given; out of `min..max` is one line naming it.
 */
export function countFlag(args: Parsed, flag: string, range: { min: number; max: number; what: string; code?: string }): number | undefined {
  const value = num(args[flag]);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new UserError(`--${flag} ${JSON.stringify(String(args[flag]))}: give a whole number of ${range.what} from ${range.min} to ${range.max}`, range.code ?? 'BAD_FLAG');
  }
  return value;
}

/** Named ranges `--normalization` takes besides `min,max`. */
const NAMED_RANGES = new Map<string, readonly [number, number]>([
  ['unit', [0, 1]],
  ['signed', [-1, 1]],
]);

/**
 * `--normalization` in every command that takes it (run, convert): the range pixels
 * 0..255 map to, as `min,max` (`-1,1` → value = pixel × 2/255 − 1), or `unit`
 * ([0, 1]) / `signed` ([-1, 1]). The default, when neither the flag nor the
 * model says, is models/user-model.ts' DEFAULT_NORMALIZATION ([-1, 1]).
 */
export function parseNormalization(value: string): Normalization {
  const named = NAMED_RANGES.get(value.trim());
  const parts = named ? [...named] : value.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part.trim())));
  if (parts.length !== 2 || parts.some((part) => !Number.isFinite(part)) || parts[0] === parts[1]) {
    throw new UserError(`--normalization ${JSON.stringify(value)}: give the range pixels 0..255 map to as min,max (e.g. -1,1 or 0,1), or unit ([0, 1]) or signed ([-1, 1])`, 'BAD_FLAG');
  }
  const [min, max] = parts as [number, number];
  const normalization = { scale: (max - min) / 255, offset: min };
  // The rule a metadata.json is held to (core/metadata.ts): a finite range within ±1e6.
  const problem = normalizationProblem(normalization);
  if (problem) throw new UserError(`--normalization ${JSON.stringify(value)}: ${problem}`, 'BAD_FLAG');
  return normalization;
}

/** Flags every command reads into the config. */
const COMMON_PATHS: FlagPaths = { out: ['out', 'text'], model: ['models', 'list'], images: ['dataset.images', 'text'] };

type Issue = z.core.$ZodIssue;

/** A union's own issue says only "invalid input": the branch issue that got furthest names what is wrong (`models.0.inputSize`). */
function innermost(issue: Issue, prefix: PropertyKey[] = []): { issue: Issue; path: string[] } {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length) {
    const deepest = issue.errors.flat().reduce((best, candidate) => (candidate.path.length > best.path.length ? candidate : best));
    return innermost(deepest, path);
  }
  return { issue, path: path.map(String) };
}

/**
 * Checks the flags' values alone against the config schema, so that a value
 * out of range is refused at the command line with the flag's name
 * (`--threads 1000000: too big: …`) before any file is read. Ranges across
 * keys (minTimeMs ≤ maxTimeMs) are parseConfig's, on the merged config.
 */
export function checkFlagValues(args: Parsed, overrides: FlagOverrides): void {
  const result = configSchema.safeParse(overrides.values);
  if (result.success) return;
  const { issue, path } = innermost(result.error.issues[0]!);
  let flag: string | undefined;
  for (let length = path.length; length > 0 && !flag; length -= 1) flag = overrides.flagOf[path.slice(0, length).join('.')];
  const name = flag ?? path.join('.');
  const given = flag ? args[flag.slice(2)] : undefined;
  const shown = typeof given === 'string' ? ` ${/^[\w.,:/+-]+$/.test(given) ? given : JSON.stringify(given)}` : '';
  const notNumber = issue.code === 'invalid_type' && issue.expected === 'number';
  const message = notNumber ? 'not a number' : issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  throw new UserError(`${name}${shown}: ${message}${flag ? ` (${path.join('.')})` : ''}`, 'BAD_FLAG');
}

/**
 * Resolves config (file, then flags) and the logger.
 * `overrides`: the command's flags as config values (`overridesFrom(args, RUN_PATHS)`);
 * --out, --model and --images are read here for every command.
 */
export async function setup(args: Parsed, overrides: FlagOverrides = { values: {}, flagOf: {} }, io: CommandIo = processIo(), needs: SetupNeeds = {}): Promise<CommandContext> {
  const { cwd } = io;
  const log = createLogger({
    level: args.quiet ? 'quiet' : args.verbose ? 'verbose' : 'normal',
    json: Boolean(args.json),
    write: io.stderr,
    writeResult: io.stdout,
    isTTY: io.stderrIsTTY,
  });
  const flags = mergeOverrides(overridesFrom(args, COMMON_PATHS), overrides);
  checkFlagValues(args, flags);
  const { config, file } = await loadConfig({ cwd, ...(typeof args.config === 'string' ? { file: args.config } : {}), overrides: flags.values });
  // From here on every message, record and report is scrubbed of these (core/redact.ts).
  registerSecrets(secretsIn(config));
  if (file) log.debug(`config: ${file}`);
  const label = typeof args.out === 'string' ? '--out' : 'the out folder';
  const out = resolveOutFolder(config.out, cwd, label);
  const use = needs.out ?? 'write';
  if (use !== 'none') checkOutFolder(out, { write: use !== 'read', label });
  if (use !== 'lock') return { config, log, stdout: io.stdout, out, cwd };
  const lock = lockOutFolder(out, needs.command ?? 'bench');
  if (lock.tookOverFrom) log.info(`took over the lock of ${out} left by pid ${lock.tookOverFrom.pid} ("${lock.tookOverFrom.command}"), which no longer runs`);
  // Holding the lock, no other bench writes here: a record still "running" was left by one that died.
  const closed = closeAbandonedRuns(out);
  if (closed.length) log.info(`marked interrupted: run${closed.length === 1 ? '' : 's'} ${closed.join(', ')}, left "running" by a bench that no longer runs (killed, or its disk filled)`);
  return { config, log, stdout: io.stdout, out, cwd, lock };
}
