/**
 * Finds and loads `bench.config.ts` (or .mts/.cts/.mjs/.js/.cjs/.json) in
 * the working folder and merges CLI flags over it; validation is
 * harness/core/config.ts.
 *
 * Script configs load through tsx's `tsImport`, which compiles TypeScript
 * for the module system of the folder the file is in. A plain `import()`
 * fails in most users' folders: with no package.json, or one without
 * `"type": "module"`, Node takes the .ts file for CommonJS and the ESM
 * `import { defineConfig } from 'edgebench'` ends in "Cannot require() ES
 * Module … in a cycle".
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { deepMerge, parseConfig, type ResolvedConfig } from './core/config.ts';
import { UserError } from './core/errors.ts';

export const CONFIG_FILES = ['bench.config.ts', 'bench.config.mts', 'bench.config.cts', 'bench.config.mjs', 'bench.config.js', 'bench.config.cjs', 'bench.config.json'];

export interface LoadConfigOptions {
  cwd?: string;
  /** Explicit config file; otherwise the first of bench.config.{ts,mts,cts,mjs,js,cjs,json} in cwd. */
  file?: string;
  /** Values from CLI flags, merged over the file. */
  overrides?: Record<string, unknown>;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  return `${typeof value === 'object' ? 'an' : 'a'} ${typeof value}${typeof value === 'number' || typeof value === 'boolean' ? ` (${String(value)})` : ''}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The config object a loaded module exports by default. A TypeScript file
 * compiled as CommonJS comes back as `{ default: { __esModule, default: config } }`:
 * that wrapper (marked `__esModule`) is unwrapped.
 */
export function defaultExport(module: Record<string, unknown>, file: string): Record<string, unknown> {
  let value = module.default;
  if (isPlainObject(value) && value.__esModule === true) value = value.default;
  if (value === undefined) throw new UserError(`config file ${file} has no default export: write \`export default defineConfig({ … })\``, 'CONFIG_INVALID');
  if (!isPlainObject(value)) throw new UserError(`config file ${file}: the default export must be a config object (\`export default defineConfig({ … })\`), not ${describe(value)}`, 'CONFIG_INVALID');
  return value;
}

async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  if (file.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new UserError(`cannot load config file ${file}: ${(error as Error).message.split('\n')[0]}`, 'CONFIG_INVALID');
    }
    if (!isPlainObject(parsed)) throw new UserError(`config file ${file} must hold a JSON object, not ${describe(parsed)}`, 'CONFIG_INVALID');
    return parsed;
  }
  let module: Record<string, unknown>;
  try {
    module = (await tsImport(pathToFileURL(file).href, { parentURL: import.meta.url })) as Record<string, unknown>;
  } catch (error) {
    // esbuild says "Transform failed with 1 error:" and then where: keep both, on one line.
    const message = ((error as Error).message ?? String(error)).split('\n').filter((line) => line.trim()).slice(0, 2).join(' ');
    throw new UserError(`cannot load config file ${file}: ${message}`, 'CONFIG_INVALID');
  }
  return defaultExport(module, file);
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<{ config: ResolvedConfig; file?: string }> {
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ? resolve(cwd, options.file) : CONFIG_FILES.map((name) => resolve(cwd, name)).find((path) => existsSync(path));
  if (options.file && !existsSync(file!)) throw new UserError(`config file not found: ${file}`, 'CONFIG_NOT_FOUND');
  const fromFile = file ? await readConfigFile(file) : {};
  const merged = deepMerge(fromFile, options.overrides ?? {});
  return { config: parseConfig(merged, file ?? 'config'), ...(file ? { file } : {}) };
}
