/**
 * What a web app must download to run a model on each browser runtime:
 * the runtime's JavaScript (bundled and minified by esbuild from a minimal
 * entry that uses what an app needs: load a model, run it) plus the wasm files
 * a modern browser (SIMD, threads) fetches. Raw and gzip bytes, per file.
 * Model bytes are not included: they are the artifact's own size.
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import type { RuntimeSize } from '../../harness/core/record.ts';
import { PAGE_DIR, litertWasmDir, tfjsWasmDir } from './assets.ts';
import type { PageRuntime } from './app/protocol.ts';
import { cachedRuntimeSize, type MeasuredSize } from './sizes-cache.ts';

interface SizeEntry {
  /** The smallest app code that loads and runs a model on this runtime. */
  source: string;
  /** Runtime files fetched at run time, besides the JS bundle. */
  files: () => string[];
}

const TFJS_APP = `
import { tensor4d, setBackend, ready } from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
export { tensor4d, setBackend, ready, loadLayersModel };
`;

const LITERT_APP = `
export { loadLiteRt, loadAndCompile, Tensor } from '@litertjs/core';
`;

/** One entry per page runtime; exported so tests and docs can list them. */
export const RUNTIME_SIZE_ENTRIES: Record<PageRuntime, SizeEntry> = {
  'tfjs-wasm': {
    source: `${TFJS_APP}export { setWasmPaths, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';\n`,
    files: () => [join(tfjsWasmDir(), 'tfjs-backend-wasm-threaded-simd.wasm')],
  },
  'tfjs-webgl': { source: `${TFJS_APP}import '@tensorflow/tfjs-backend-webgl';\n`, files: () => [] },
  'tfjs-webgpu': { source: `${TFJS_APP}import '@tensorflow/tfjs-backend-webgpu';\n`, files: () => [] },
  'tfjs-cpu': { source: `${TFJS_APP}import '@tensorflow/tfjs-backend-cpu';\n`, files: () => [] },
  // The threaded build (relaxed SIMD + isolation); WebGPU runs are single-threaded and load the plain build.
  'litert-wasm': {
    source: LITERT_APP,
    files: () => ['litert_wasm_threaded_internal.js', 'litert_wasm_threaded_internal.wasm'].map((name) => join(litertWasmDir(), name)),
  },
  'litert-webgpu': {
    source: LITERT_APP,
    files: () => ['litert_wasm_internal.js', 'litert_wasm_internal.wasm'].map((name) => join(litertWasmDir(), name)),
  },
};

export interface RuntimeSizeOptions {
  /** Runtimes to measure; all page runtimes by default. */
  runtimes?: PageRuntime[];
  /** gzip level (default 9, as static hosts precompress). */
  gzipLevel?: number;
  /** False: measure now, neither reading nor writing the cache (default true). */
  cache?: boolean;
}

function sized(path: string, bytes: Uint8Array, level: number): RuntimeSize['files'][number] {
  return { path, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level }).length };
}

async function measureRuntime(runtime: PageRuntime, entry: SizeEntry, level: number): Promise<MeasuredSize> {
  const built = await esbuild.build({
    stdin: { contents: entry.source, resolveDir: PAGE_DIR, loader: 'js', sourcefile: `${runtime}-app.js` },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const js = built.outputFiles[0]?.contents ?? new Uint8Array();
  const files = [sized(`${runtime}.bundle.js`, js, level)];
  for (const file of entry.files()) files.push(sized(basename(file), await readFile(file), level));
  const size = { runtime, files, bytes: files.reduce((total, file) => total + file.bytes, 0), gzipBytes: files.reduce((total, file) => total + file.gzipBytes, 0) };
  // What esbuild read (paths relative to its working folder) and the wasm files: the cache's inputs.
  return { size, inputs: [...Object.keys(built.metafile.inputs).map((input) => resolve(input)), ...entry.files()] };
}

/** Download cost of each browser runtime (JS bundle + wasm files, raw and gzip), kept between runs (./sizes-cache.ts). */
export async function runtimeSizes(options: RuntimeSizeOptions = {}): Promise<RuntimeSize[]> {
  const level = options.gzipLevel ?? 9;
  const runtimes = options.runtimes ?? (Object.keys(RUNTIME_SIZE_ENTRIES) as PageRuntime[]);
  const sizes: RuntimeSize[] = [];
  for (const runtime of runtimes) {
    const entry = RUNTIME_SIZE_ENTRIES[runtime];
    const measure = () => measureRuntime(runtime, entry, level);
    sizes.push(options.cache === false ? (await measure()).size : await cachedRuntimeSize({ runtime, source: entry.source, level, esbuild: esbuild.version, page: PAGE_DIR }, measure));
  }
  return sizes;
}
