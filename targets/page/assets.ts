/**
 * Where the runtimes' wasm files are on disk, and the URL prefixes the page
 * expects them under (app/runtime.ts VENDOR_PATHS).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VENDOR_PATHS } from './app/runtime.ts';

const require = createRequire(import.meta.url);

/** Folder of this module: the page's own sources (bundled into it) live in ./app. */
export const PAGE_DIR = dirname(fileURLToPath(import.meta.url));
export const PAGE_SOURCE_DIR = join(PAGE_DIR, 'app');

export function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

export function packageVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version;
}

/** `@tensorflow/tfjs-backend-wasm`'s dist folder: tfjs-backend-wasm{,-simd,-threaded-simd}.wasm. */
export function tfjsWasmDir(): string {
  return join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
}

/** `@litertjs/core`'s wasm folder: litert_wasm_{,compat_,threaded_,jspi_}internal.{js,wasm}. */
export function litertWasmDir(): string {
  return join(packageDir('@litertjs/core'), 'wasm');
}

/** URL prefix → folder, for the static server. */
export function vendorMounts(): Record<string, string> {
  return { [VENDOR_PATHS.tfjsWasm]: tfjsWasmDir(), [VENDOR_PATHS.litert]: litertWasmDir() };
}
