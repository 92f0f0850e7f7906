/**
 * Flags every command takes, and the one place they turn into a resolved
 * config and a logger.
 */
import type { ArgsDef } from 'citty';
import { deepMerge, type ResolvedConfig } from '../core/config.ts';
import { loadConfig } from '../config-file.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { registerSecrets, secretsIn } from '../core/redact.ts';
import { checkOutFolder, resolveOutFolder } from '../out-folder.ts';
import { lockOutFolder, type OutLock } from '../out-lock.ts';
import { closeAbandonedRuns } from '../record-store.ts';

export const commonArgs = {
  out: { type: 'string', description: 'Output folder for caches, artifacts and runs (default .bench)', valueHint: 'dir' },
  config: { type: 'string', description: 'Config file (default: bench.config.{ts,mjs,js,json} in the working folder)', valueHint: 'file' },
  json: { type: 'boolean', description: 'Print the result as JSON on stdout (messages stay on stderr)' },
  quiet: { type: 'boolean', description: 'Only warnings and errors' },
  verbose: { type: 'boolean', description: 'Debug output' },
} as const satisfies ArgsDef;

/** Flags shared by commands that retrain or use the dataset. */
export const datasetArgs = {
  images: { type: 'string', description: 'Class-per-folder image root (default: the generated dataset)', valueHint: 'dir' },
  model: { type: 'string', description: 'Backbone ids, comma-separated (default mobilenet_v2,inception_v3)', valueHint: 'ids' },
} as const satisfies ArgsDef;

export interface CommandContext {
  config: ResolvedConfig;
  log: Logger;
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

/**
 * Resolves config (file, then flags) and the logger.
 * `overrides` maps flags to config paths, e.g. `{ retrain: { steps: num(args.steps) } }`.
 */
export async function setup(args: Parsed, overrides: Record<string, unknown> = {}, cwd = process.cwd(), needs: SetupNeeds = {}): Promise<CommandContext> {
  const log = createLogger({
    level: args.quiet ? 'quiet' : args.verbose ? 'verbose' : 'normal',
    json: Boolean(args.json),
  });
  const flags = deepMerge(
    {
      out: args.out,
      models: list(args.model),
      dataset: { images: args.images },
    },
    overrides,
  ) as Record<string, unknown>;
  const { config, file } = await loadConfig({ cwd, ...(typeof args.config === 'string' ? { file: args.config } : {}), overrides: flags });
  // From here on every message, record and report is scrubbed of these (core/redact.ts).
  registerSecrets(secretsIn(config));
  if (file) log.debug(`config: ${file}`);
  const label = typeof args.out === 'string' ? '--out' : 'the out folder';
  const out = resolveOutFolder(config.out, cwd, label);
  const use = needs.out ?? 'write';
  if (use !== 'none') checkOutFolder(out, { write: use !== 'read', label });
  if (use !== 'lock') return { config, log, out, cwd };
  const lock = lockOutFolder(out, needs.command ?? 'bench');
  if (lock.tookOverFrom) log.info(`took over the lock of ${out} left by pid ${lock.tookOverFrom.pid} ("${lock.tookOverFrom.command}"), which no longer runs`);
  // Holding the lock, no other bench writes here: a record still "running" was left by one that died.
  const closed = closeAbandonedRuns(out);
  if (closed.length) log.info(`marked interrupted: run${closed.length === 1 ? '' : 's'} ${closed.join(', ')}, left "running" by a bench that no longer runs (killed, or its disk filled)`);
  return { config, log, out, cwd, lock };
}
