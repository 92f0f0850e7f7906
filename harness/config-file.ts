/**
 * Finds and loads `bench.config.ts` (or .js/.mjs/.json) in the working folder
 * and merges CLI flags over it; validation is harness/core/config.ts.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deepMerge, parseConfig, type ResolvedConfig } from './core/config.ts';
import { UserError } from './core/errors.ts';

const CONFIG_FILES = ['bench.config.ts', 'bench.config.mjs', 'bench.config.js', 'bench.config.json'];

export interface LoadConfigOptions {
  cwd?: string;
  /** Explicit config file; otherwise the first of bench.config.{ts,mjs,js,json} in cwd. */
  file?: string;
  /** Values from CLI flags, merged over the file. */
  overrides?: Record<string, unknown>;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<{ config: ResolvedConfig; file?: string }> {
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ? resolve(cwd, options.file) : CONFIG_FILES.map((name) => resolve(cwd, name)).find((path) => existsSync(path));
  if (options.file && !existsSync(file!)) throw new UserError(`config file not found: ${file}`, 'CONFIG_NOT_FOUND');
  let fromFile: unknown = {};
  if (file) {
    try {
      const loaded = (await import(pathToFileURL(file).href, file.endsWith('.json') ? { with: { type: 'json' } } : undefined)) as { default?: unknown };
      fromFile = loaded.default ?? {};
    } catch (error) {
      throw new UserError(`cannot load config file ${file}: ${(error as Error).message}`, 'CONFIG_INVALID');
    }
  }
  const merged = deepMerge(fromFile, options.overrides ?? {});
  return { config: parseConfig(merged, file ?? 'config'), ...(file ? { file } : {}) };
}

