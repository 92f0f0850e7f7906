/**
 * The Node target's worker (and the host's TFLite pool child) as one cached
 * ES module, so a job's process starts without the tsx loader: tsx
 * registering itself and compiling the worker's ~30 source files is most of
 * a worker's start-up (0.6–1.0 s of CPU per process against 0.3–0.5 s from
 * the bundle, measured 2026-12-06 at load 4; every `bench run` job and every
 * probe forks one).
 *
 * The bundle is built with esbuild (packages left as imports, but TF.js's
 * CommonJS packages required: see COMMONJS_PACKAGES) into
 * `<repo>/node_modules/.cache/edgebench-worker/<key>/`, where packages
 * resolve as they do from the sources. `<key>` hashes the content of every
 * source file the bundle was built from (listed in the folder's
 * manifest.json), so an edited source builds again instead of running stale
 * code. `import.meta.url` in each source is replaced by that source's own
 * URL, so paths next to a source (the plugin's C, a child's .ts) and the
 * default runtime module's URL are the same as under tsx.
 *
 * The bundle is executed, so it is used only from a folder of ours that no
 * one else may write (./private-dir's rules); where the folder cannot be
 * made, the bundle cannot be built or checked, the worker runs through tsx
 * as before.
 *
 * A request naming other runtime modules (a test's .ts) starts from a bundle
 * too when every one of them is a file inside the tree's root, the same trust
 * as the worker's own sources: a bundle of the worker and those modules, one
 * cache folder per set of modules, the request's module URLs pointed at their
 * bundled copies (which share the worker's chunks, as under tsx they share its
 * modules). A module outside the tree (a user's own, anywhere) runs through
 * tsx, which can import it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensurePrivateDir, privateFileProblem } from '../../harness/core/private-dir.ts';
import type { WorkerRequest } from './protocol.ts';

/** The default runtime module (./runtimes.ts's DEFAULT_RUNTIME_MODULE): the worker's own, in every bundle of it. */
const DEFAULT_RUNTIME_MODULE = new URL('./runtimes.ts', import.meta.url).href;

/** What is bundled and where: `entry` and its sources under `root`, the bundles in `cache`. */
export interface BundleTree {
  root: string;
  entry: string;
  cache: string;
  /** More entry points (runtime modules, absolute paths under `root`): the i-th is bundled as `module-<i>.mjs` beside the entry's. */
  modules?: readonly string[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** This tree's worker. */
export const WORKER_TREE: BundleTree = { root: ROOT, entry: fileURLToPath(new URL('./worker.ts', import.meta.url)), cache: join(ROOT, 'node_modules', '.cache', 'edgebench-worker') };
/** The WebGPU adapter query's child (./webgpu-query.ts): forked once or twice by every probe of tfjs-webgpu. */
export const WEBGPU_QUERY_TREE: BundleTree = { root: ROOT, entry: fileURLToPath(new URL('./webgpu-query-child.ts', import.meta.url)), cache: join(ROOT, 'node_modules', '.cache', 'edgebench-webgpu-query') };
/** The XNNPACK delegation coverage child (./tflite-coverage.ts): started once for each .tflite file `bench profile` reads the coverage of. */
export const COVERAGE_CHILD_TREE: BundleTree = { root: ROOT, entry: fileURLToPath(new URL('./tflite-coverage-child.ts', import.meta.url)), cache: join(ROOT, 'node_modules', '.cache', 'edgebench-coverage-child') };
/** The host's TFLite pool child (./tflite-host.ts): forked once per core for each bottleneck extraction. */
export const HOST_CHILD_TREE: BundleTree = { root: ROOT, entry: fileURLToPath(new URL('./tflite-host-child.ts', import.meta.url)), cache: join(ROOT, 'node_modules', '.cache', 'edgebench-host-child') };
/** The worker bundled with a set of in-tree runtime modules: one cache folder per set, under this one. */
const WORKER_MODULES_CACHE = join(ROOT, 'node_modules', '.cache', 'edgebench-worker-modules');
const MANIFEST = 'manifest.json';
const BUNDLE = 'worker.mjs';
const ESBUILD = 'esbuild';
/** Changes when this file changes what it writes, so an older layout is never read as current. */
const FORMAT = 'edgebench-worker-bundle/3';
/**
 * CommonJS packages the bundle requires where its sources import them: TF.js's (package.json
 * `main`, no `exports`). Node's ESM loader, importing one, lexes its source and every module it
 * re-exports to find the export names: for @tensorflow/tfjs that is ~0.6 CPU s of a worker's start,
 * more than loading it (`npm run benchmark:worker-start`). Required, it is the same module as a
 * CommonJS caller's (one require cache). A package imported by a variable specifier (an optional
 * one) is left to Node's loader.
 */
const COMMONJS_NAMES = '@tensorflow\\/tfjs(?:-core|-backend-cpu|-backend-wasm|-backend-webgpu|-backend-webgl|-converter|-layers|-data)?';
const COMMONJS_PACKAGES = new RegExp(`^${COMMONJS_NAMES}$`);
/** `import('<one of them>')` in a source, quotes kept; not a type's (`typeof import(…)`, `import(…).Name`). */
const COMMONJS_IMPORT_CALL = new RegExp(`(?<!\\btypeof\\s+)\\bimport\\((['"]${COMMONJS_NAMES}['"])\\)(?!\\s*\\.)`, 'g');
const COMMONJS_NAMESPACE = 'commonjs-package';
/** Key folders older than this (other than the current) are removed when a new one is written. */
const PRUNE_AFTER_MS = 24 * 3600 * 1000;

interface Manifest {
  key: string;
  /** Source files the bundle was built from, relative to the repository root. */
  inputs: string[];
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The root is part of the key: the bundle holds each source's absolute URL
 * (`import.meta.url`, the default runtime module's), so a copy of the tree
 * elsewhere (a moved checkout, a clone given this one's node_modules) must
 * build its own instead of running the first tree's paths.
 */
function keyOf(root: string, hashes: ReadonlyMap<string, string>): string {
  const lines = [...hashes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, hash]) => `${path}\0${hash}`);
  return sha256([FORMAT, resolve(root), ...lines].join('\n')).slice(0, 24);
}

function requestModules(request: WorkerRequest): string[] {
  return request.type === 'probe' ? request.runtimeModules : request.type === 'job' ? request.job.runtimeModules : [...request.pair.a.runtimeModules, ...request.pair.b.runtimeModules];
}

/** The request with each runtime module named through `to` (its bundled copy's URL). */
function withModules(request: WorkerRequest, to: (module: string) => string): WorkerRequest {
  if (request.type === 'probe') return { ...request, runtimeModules: request.runtimeModules.map(to) };
  if (request.type === 'job') return { ...request, job: { ...request.job, runtimeModules: request.job.runtimeModules.map(to) } };
  const { a, b } = request.pair;
  return { ...request, pair: { ...request.pair, a: { ...a, runtimeModules: a.runtimeModules.map(to) }, b: { ...b, runtimeModules: b.runtimeModules.map(to) } } };
}

/** The file of a runtime module's URL when it is a regular file inside `root` (bundled as the worker's sources are), else undefined. */
function inTreeFile(module: string, root: string): string | undefined {
  if (!module.startsWith('file:')) return undefined;
  const path = fileURLToPath(module);
  const inside = relative(root, path);
  if (!inside || inside.startsWith('..') || isAbsolute(inside)) return undefined;
  return statSync(path, { throwIfNoEntry: false })?.isFile() ? path : undefined;
}

/** The current bundle's path when the manifest's inputs still hash to its key, else undefined. */
async function current({ root, cache }: BundleTree): Promise<string | undefined> {
  const manifestPath = join(cache, MANIFEST);
  if (!existsSync(manifestPath) || privateFileProblem(manifestPath)) return undefined;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
  } catch {
    return undefined; // half-written by hand or a full disk: build again
  }
  if (typeof manifest?.key !== 'string' || !/^[0-9a-f]{24}$/.test(manifest.key) || !Array.isArray(manifest.inputs) || !manifest.inputs.every((input) => typeof input === 'string')) return undefined;
  const hashes = new Map<string, string>();
  for (const input of manifest.inputs) {
    const path = resolve(root, input);
    if (relative(root, path).startsWith('..')) return undefined;
    try {
      hashes.set(input, sha256(await readFile(path)));
    } catch {
      return undefined; // a source moved or was removed: build again
    }
  }
  if (keyOf(root, hashes) !== manifest.key) return undefined;
  const bundle = join(cache, manifest.key, BUNDLE);
  if (!existsSync(bundle) || privateFileProblem(bundle)) return undefined;
  return bundle;
}

/** Builds the bundle into a fresh key folder and points the manifest at it. */
async function buildBundle({ root, entry, cache, modules = [] }: BundleTree): Promise<string> {
  // A variable specifier: a bundle that holds this module (the GPU-machine runner's) leaves esbuild a package import.
  const { build } = (await import(ESBUILD)) as typeof import('esbuild');
  const loaded = new Map<string, string>();
  const tmp = join(cache, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const result = await build({
    entryPoints: [{ in: entry, out: 'worker' }, ...modules.map((module, i) => ({ in: module, out: `module-${i}` }))],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Lazy imports (tfjs-tflite-node's runtime) stay lazy: their code is a chunk loaded when first used.
    splitting: true,
    packages: 'external',
    outdir: tmp,
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    write: false,
    metafile: true,
    logLevel: 'silent',
    // The bundle's own `require`, for the CommonJS packages it requires (COMMONJS_PACKAGES).
    banner: { js: `import { createRequire as __edgebenchCreateRequire } from 'node:module';\nconst require = __edgebenchCreateRequire(${JSON.stringify(pathToFileURL(entry).href)});` },
    plugins: [
      {
        // A static import of one: esbuild's namespace over its require (the import() of one: see source-urls).
        name: 'commonjs-packages',
        setup(builder) {
          builder.onResolve({ filter: COMMONJS_PACKAGES }, (args) => (args.kind === 'import-statement' ? { path: args.path, namespace: COMMONJS_NAMESPACE } : args.kind === 'require-call' ? { path: args.path, external: true } : undefined));
          builder.onLoad({ filter: /.*/, namespace: COMMONJS_NAMESPACE }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
        },
      },
      {
        name: 'source-urls',
        setup(builder) {
          builder.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
            const source = await readFile(args.path, 'utf8');
            loaded.set(relative(root, args.path), sha256(source));
            // import() of a COMMONJS_PACKAGES package: its module.exports, as the namespace would name them (no `default`).
            const contents = source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)).replace(COMMONJS_IMPORT_CALL, (_, quoted: string) => `Promise.resolve().then(() => require(${quoted}))`);
            return { contents, loader: /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js' };
          });
        },
      },
    ],
  });
  const hashes = new Map<string, string>();
  // The required packages' stand-ins are not files: what they say is this file's (FORMAT).
  for (const input of Object.keys(result.metafile.inputs)) if (!input.startsWith(`${COMMONJS_NAMESPACE}:`)) hashes.set(input, loaded.get(input) ?? sha256(await readFile(resolve(root, input))));
  const key = keyOf(root, hashes);
  await mkdir(tmp, { mode: 0o700 });
  for (const file of result.outputFiles) await writeFile(file.path, file.contents, { mode: 0o600 });
  const folder = join(cache, key);
  try {
    await rename(tmp, folder);
  } catch {
    // Another process wrote the same key first: its folder is complete (renamed into place whole).
    await rm(tmp, { recursive: true, force: true });
  }
  const manifest: Manifest = { key, inputs: [...hashes.keys()] };
  const manifestTmp = `${tmp}.json`;
  await writeFile(manifestTmp, JSON.stringify(manifest), { mode: 0o600 });
  await rename(manifestTmp, join(cache, MANIFEST));
  await prune(cache, key);
  // The folder may be another process's (same key): trusted under the same rules as a cached one.
  const bundle = join(folder, BUNDLE);
  const problem = privateFileProblem(bundle);
  if (problem) throw new Error(`${bundle}: ${problem}`);
  return bundle;
}

/** Removes old key folders (a worker that started from one has loaded it by then, its lazy chunk included). */
async function prune(cache: string, keep: string): Promise<void> {
  for (const name of await readdir(cache)) {
    if (name === keep || name === MANIFEST) continue;
    const path = join(cache, name);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > PRUNE_AFTER_MS) await rm(path, { recursive: true, force: true });
  }
}

/**
 * The bundled worker to fork for `request` and the request to send it (its
 * runtime modules named by their bundled copies), building the bundle when
 * the sources changed; undefined where the worker must run through tsx
 * instead (see above).
 */
export async function bundledWorker(request: WorkerRequest): Promise<{ path: string; request: WorkerRequest } | undefined> {
  const others = [...new Set(requestModules(request).filter((module) => module !== DEFAULT_RUNTIME_MODULE))].sort();
  if (others.length === 0) {
    const path = await workerBundle(WORKER_TREE);
    return path ? { path, request } : undefined;
  }
  const files = others.map((module) => inTreeFile(module, ROOT));
  if (!files.every((file) => file !== undefined)) return undefined;
  const set = sha256(files.map((file) => relative(ROOT, file)).join('\n')).slice(0, 16);
  const path = await workerBundle({ ...WORKER_TREE, cache: join(WORKER_MODULES_CACHE, set), modules: files });
  if (!path) return undefined;
  const bundled = new Map(others.map((module, i) => [module, pathToFileURL(join(path, '..', `module-${i}.mjs`)).href]));
  return { path, request: withModules(request, (module) => bundled.get(module) ?? module) };
}

/** The bundle of `tree.entry`, current with its sources (built when not), or undefined where it cannot be built or trusted. */
export async function workerBundle(tree: BundleTree): Promise<string | undefined> {
  try {
    if (tree.modules) ensurePrivateDir(join(tree.cache, '..'));
    ensurePrivateDir(tree.cache);
    return (await current(tree)) ?? (await buildBundle(tree));
  } catch {
    return undefined;
  }
}
