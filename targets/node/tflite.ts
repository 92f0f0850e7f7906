/**
 * `tflite-node`: .tflite files on native TFLite 2.9 through tfjs-tflite-node,
 * driven through its interpreter binding directly (typed arrays in and out,
 * no TF.js tensors on the hot path).
 *
 * XNNPACK: the prebuilt TFLite C library in tfjs-tflite-node 0.0.2 contains
 * the XNNPACK delegate but does not apply it by default (measured here:
 * MobileNetV2 float32 ~52 ms/inference on one core without it, ~7 ms with
 * it). The binding only accepts delegates as "external delegate" plugins (a
 * shared library exporting tflite_plugin_create_delegate), so a 20-line
 * plugin (./xnnpack-plugin.c) that calls the library's own TfLiteXNNPackDelegateCreate is compiled
 * once with the system C compiler (the same toolchain that built the binding
 * at install) into a private per-user cache folder, and loaded only after
 * its owner, mode and hash are checked (see preparePlugin). Without a
 * compiler the runtime still works, on TFLite's builtin kernels, and says so
 * in its probe details. XNNPACK's thread count reaches the plugin through the
 * environment, not the binding's option keys (see newInterpreter), and the
 * count it really applied joins the measurement's device block
 * (`xnnpackThreads`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateCacheDir, privateFileProblem } from '../../harness/core/private-dir.ts';
import { inspectTflite, withBatchSize, type TensorSummary } from '../../models/tflite/reader.ts';
import type { NodeRuntime, NodeSession, OpenOptions, RuntimeProbe } from './runtime-types.ts';

const PACKAGE = 'tfjs-tflite-node';

/** The parts of the binding's interpreter this runtime uses. */
export interface TensorInfo {
  name: string;
  dataType: string;
  data(): Float32Array | Uint8Array | Int8Array | Int32Array;
}
export interface Interpreter {
  getInputs(): TensorInfo[];
  getOutputs(): TensorInfo[];
  infer(): boolean;
}
export type InterpreterConstructor = new (model: ArrayBuffer, options: { threads?: number; delegate?: { path: string; options: [string, string][] } }) => Interpreter;

const require = createRequire(import.meta.url);

/** The binding's interpreter class; throws when tfjs-tflite-node is not installed or its addon does not load. */
export function loadBinding(): InterpreterConstructor {
  return (require(PACKAGE) as { TFLiteNodeModelRunner: InterpreterConstructor }).TFLiteNodeModelRunner;
}

/**
 * Float32 data in, every output read back as float32: how the host runner
 * (./tflite-host.ts, in this process or in its pool's children) runs its files.
 */
export function floatInference(interpreter: Interpreter): (data: Float32Array) => Float32Array[] {
  const input = interpreter.getInputs()[0]!;
  const outputs = interpreter.getOutputs();
  return (data) => {
    (input.data() as Float32Array).set(data);
    if (!interpreter.infer()) throw new Error('TFLite inference failed');
    return outputs.map((output) => {
      if (output.dataType !== 'float32') throw new Error(`output "${output.name}" is ${output.dataType}; host runs read float32 outputs`);
      return Float32Array.from(output.data() as Float32Array);
    });
  };
}

// ------------------------------------------------------------ XNNPACK plugin

/** The plugin's C source, a file of the repository read when the plugin is built. */
export const PLUGIN_SOURCE_PATH = fileURLToPath(new URL('./xnnpack-plugin.c', import.meta.url));

const LIBRARY_DIRS: Record<string, string> = { 'linux-x64': 'linux_amd64', 'linux-arm64': 'linux_arm64', 'darwin-arm64': 'darwin_arm64' };

/** The plugin's file, or why there is none; `refused` says what cached file was refused before this one was built. */
export type PluginState = { path: string; refused?: string } | { reason: string };

let pluginPromise: Promise<PluginState> | undefined;

/** Builds (once per user, cached in a private folder) the XNNPACK plugin; never throws. */
export function xnnpackPlugin(): Promise<PluginState> {
  pluginPromise ??= preparePlugin().catch((error: unknown) => ({ reason: `XNNPACK plugin build failed: ${(error as Error).message.split('\n')[0]}` }));
  return pluginPromise;
}

export interface PluginOptions {
  /** Environment (EDGEBENCH_TFLITE_XNNPACK, CC, XDG_CACHE_HOME); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What the manifest beside the plugin records: the hash of the compiled bytes, checked before every load. */
interface PluginManifest {
  sha256: string;
  file: string;
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The cached plugin when it can be trusted: manifest and library both
 * regular files of ours that nobody else may write, in our private folder,
 * and the library's bytes hashing to what the manifest recorded when we
 * built it. Returns why not otherwise (null: nothing cached yet).
 */
async function cachedPlugin(folder: string, manifestPath: string): Promise<{ path: string } | { refused: string } | null> {
  if (!existsSync(manifestPath)) return null;
  const manifestProblem = privateFileProblem(manifestPath);
  if (manifestProblem) return { refused: `${manifestPath}: ${manifestProblem}` };
  let manifest: PluginManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as PluginManifest;
  } catch {
    return { refused: `${manifestPath}: not a plugin manifest` };
  }
  if (typeof manifest.sha256 !== 'string' || typeof manifest.file !== 'string' || basename(manifest.file) !== manifest.file) return { refused: `${manifestPath}: not a plugin manifest` };
  const path = join(folder, manifest.file);
  if (!existsSync(path)) return { refused: `${path}: missing` };
  const problem = privateFileProblem(path);
  if (problem) return { refused: `${path}: ${problem}` };
  if (sha256(await readFile(path)) !== manifest.sha256) return { refused: `${path}: its bytes are not the ones built (hash mismatch)` };
  return { path };
}

/** Where tfjs-tflite-node keeps libtensorflowlite_c for this platform (`linux_amd64`, …). */
export function pluginLibraryDir(libraryFolder = LIBRARY_DIRS[`${process.platform}-${process.arch}`] ?? ''): string {
  return join(dirname(require.resolve(`${PACKAGE}/package.json`)), 'cc_deps', libraryFolder);
}

/**
 * The compiler's arguments: a shared library from C on stdin, linked against
 * libtensorflowlite_c and finding it at run time where it is. Exported so that
 * the source test compiles with exactly these.
 */
export function pluginCompilerArgs(libraryDir: string, output: string): string[] {
  const shared = process.platform === 'darwin' ? '-dynamiclib' : '-shared';
  return [shared, '-fPIC', '-O2', '-x', 'c', '-o', output, '-', `-L${libraryDir}`, '-ltensorflowlite_c', `-Wl,-rpath,${libraryDir}`];
}

/** The cache key of a build: the source's bytes and everything else that changes the library built from them. */
export function pluginKey(inputs: { source: Uint8Array; libraryDir: string; compiler: string; platform: string }): string {
  return createHash('sha256').update(inputs.source).update(`\0${inputs.libraryDir}\0${inputs.compiler}\0${inputs.platform}`).digest('hex').slice(0, 16);
}

/** Compiles the plugin source, given on stdin (the very bytes hashed into the cache key), into the output the arguments name. */
export function compile(compiler: string, args: string[], source: Uint8Array): Promise<void> {
  return new Promise((resolveCompile, reject) => {
    const child = spawn(compiler, args, { stdio: ['pipe', 'ignore', 'pipe'], timeout: 60_000 });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolveCompile() : reject(new Error(`${compiler} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}: ${stderr.trim().split('\n')[0] ?? ''}`))));
    child.stdin.on('error', () => {});
    child.stdin.end(source);
  });
}

/**
 * Finds or builds the plugin. It is code the process loads, so it lives in a
 * private per-user folder (harness/core/private-dir.ts), never in the shared
 * temp folder, and a cached file is loaded only if it is ours, writable by
 * us alone, and hashes to the bytes we compiled; anything else is refused,
 * removed and rebuilt. Exported for tests.
 */
export async function preparePlugin(options: PluginOptions = {}): Promise<PluginState> {
  const env = options.env ?? process.env;
  if (env.EDGEBENCH_TFLITE_XNNPACK === '0') return { reason: 'XNNPACK turned off by EDGEBENCH_TFLITE_XNNPACK=0' };
  const platform = `${process.platform}-${process.arch}`;
  const libraryFolder = LIBRARY_DIRS[platform];
  if (!libraryFolder) return { reason: `no XNNPACK plugin build for ${platform}; TFLite runs its builtin kernels` };
  const cache = privateCacheDir('tflite-plugin', env);
  if ('reason' in cache) return { reason: `XNNPACK plugin not built (${cache.reason}); TFLite runs its builtin kernels` };
  const folder = cache.dir;
  const libraryDir = pluginLibraryDir(libraryFolder);
  const compiler = env.CC ?? 'cc';
  const source = await readFile(PLUGIN_SOURCE_PATH);
  const inputs = pluginKey({ source, libraryDir, compiler, platform });
  const manifestPath = join(folder, `xnnpack-plugin-${inputs}.json`);

  const cached = await cachedPlugin(folder, manifestPath);
  if (cached && 'path' in cached) return cached;
  const refused = cached?.refused;

  const extension = process.platform === 'darwin' ? 'dylib' : 'so';
  const partial = join(folder, `xnnpack-plugin-${inputs}.${process.pid}.tmp`);
  let path: string;
  try {
    await compile(compiler, pluginCompilerArgs(libraryDir, partial), source);
    await chmod(partial, 0o700);
    const digest = sha256(await readFile(partial));
    path = join(folder, `xnnpack-plugin-${inputs}-${digest.slice(0, 16)}.${extension}`);
    // Renames are atomic: a concurrent process sees either the old files or whole new ones.
    await rename(partial, path);
    const manifest: PluginManifest = { sha256: digest, file: basename(path) };
    const manifestPartial = `${manifestPath}.${process.pid}.tmp`;
    await writeFile(manifestPartial, `${JSON.stringify(manifest)}\n`, { mode: 0o600 });
    await rename(manifestPartial, manifestPath);
  } catch (error) {
    const message = (error as { code?: string }).code === 'ENOENT' ? `no C compiler "${compiler}" on PATH` : (error as Error).message;
    return { reason: `XNNPACK plugin not built (${message.split('\n')[0]}); TFLite runs its builtin kernels` };
  } finally {
    await rm(partial, { force: true });
  }
  // Earlier builds for the same inputs (a refused file among them) are never loaded again.
  for (const name of await readdir(folder)) {
    if (name.startsWith(`xnnpack-plugin-${inputs}-`) && name !== basename(path)) await rm(join(folder, name), { force: true });
  }
  return { path, ...(refused ? { refused } : {}) };
}

// ------------------------------------------------------------ sessions

const THREADS_VARIABLE = 'EDGEBENCH_XNNPACK_THREADS';
const APPLIED_VARIABLE = 'EDGEBENCH_XNNPACK_APPLIED_THREADS';

/** The binding's delegate option for the XNNPACK plugin. */
export interface Delegate {
  path: string;
  /** Always empty: the binding hands the plugin dangling keys (see xnnpack-plugin.c); the thread count goes through the environment. */
  options: [string, string][];
}

/** The plugin as the binding's delegate option, when it could be built. */
export function xnnpackDelegate(plugin: PluginState): Delegate | undefined {
  return 'path' in plugin ? { path: plugin.path, options: [] } : undefined;
}

/**
 * The one way this project builds an interpreter: `threads` for TFLite's own
 * kernels and, with the plugin, for XNNPACK too. Building it calls the
 * plugin's create function synchronously, so the count is put in the real
 * process environment just for that call, and the count the plugin applied
 * is read back (`xnnpackThreads`, absent without the delegate). On the main
 * thread `process.env` writes are a real setenv the C library sees; a worker
 * thread's are a private copy, so there XNNPACK would get one thread, and the
 * count read back would say so.
 */
export function newInterpreter(model: ArrayBuffer, threads: number, delegate?: Delegate): { interpreter: Interpreter; xnnpackThreads?: number } {
  const Interpreter = loadBinding();
  if (!delegate) return { interpreter: new Interpreter(model, { threads }) };
  const before = process.env[THREADS_VARIABLE];
  process.env[THREADS_VARIABLE] = String(threads);
  delete process.env[APPLIED_VARIABLE];
  try {
    const interpreter = new Interpreter(model, { threads, delegate });
    const applied = Number(process.env[APPLIED_VARIABLE] ?? '1');
    return { interpreter, xnnpackThreads: Number.isInteger(applied) && applied >= 1 ? applied : 1 };
  } finally {
    if (before === undefined) delete process.env[THREADS_VARIABLE];
    else process.env[THREADS_VARIABLE] = before;
    delete process.env[APPLIED_VARIABLE];
  }
}

function quantizer(tensor: TensorSummary): { scale: number; zeroPoint: number } {
  const scale = tensor.quantization?.scale[0];
  if (!scale) throw new Error(`quantized tensor "${tensor.name}" has no scale`);
  return { scale, zeroPoint: tensor.quantization!.zeroPoint[0] ?? 0 };
}

/**
 * Fills the model input from raw pixels: float inputs get pixel × scale +
 * offset; integer inputs the same value quantized with the tensor's own
 * parameters (for our uint8 files that is the pixel itself).
 */
function inputWriter(tensor: TensorSummary, normalization: { scale: number; offset: number }): (pixels: Uint8Array, target: Float32Array | Uint8Array | Int8Array | Int32Array) => void {
  const { scale, offset } = normalization;
  if (tensor.type === 'float32') {
    return (pixels, target) => {
      for (let i = 0; i < pixels.length; i++) target[i] = pixels[i]! * scale + offset;
    };
  }
  if (tensor.type === 'uint8' || tensor.type === 'int8') {
    const q = quantizer(tensor);
    const [low, high] = tensor.type === 'uint8' ? [0, 255] : [-128, 127];
    const table = new Int32Array(256);
    for (let p = 0; p < 256; p++) table[p] = Math.max(low, Math.min(high, Math.round((p * scale + offset) / q.scale + q.zeroPoint)));
    return (pixels, target) => {
      for (let i = 0; i < pixels.length; i++) target[i] = table[pixels[i]!]!;
    };
  }
  throw new Error(`model input "${tensor.name}" is ${tensor.type}; tflite-node feeds float32, uint8 or int8 inputs`);
}

function outputReader(tensor: TensorSummary): (source: Float32Array | Uint8Array | Int8Array | Int32Array) => Float32Array {
  if (tensor.type === 'float32') return (source) => Float32Array.from(source as Float32Array);
  if (tensor.type === 'uint8' || tensor.type === 'int8') {
    const q = quantizer(tensor);
    return (source) => Float32Array.from(source, (value) => (value - q.zeroPoint) * q.scale);
  }
  throw new Error(`model output "${tensor.name}" is ${tensor.type}; tflite-node reads float32, uint8 or int8 outputs`);
}

export interface TfliteSessionOptions {
  bytes: Uint8Array;
  normalization: { scale: number; offset: number };
  threads: number;
  batchSize: number;
  /** Use the XNNPACK plugin when it could be built (default true). */
  xnnpack?: boolean;
}

/** A session on .tflite bytes; exported for tests and the benchmark script. */
export async function openTfliteSession(options: TfliteSessionOptions): Promise<NodeSession & { xnnpack: boolean; xnnpackThreads?: number }> {
  loadBinding();
  const bytes = options.batchSize === 1 ? options.bytes : withBatchSize(options.bytes, options.batchSize);
  const summary = inspectTflite(bytes);
  const inputSummary = summary.inputs[0];
  const outputSummary = summary.outputs[0];
  if (!inputSummary || !outputSummary || summary.inputs.length !== 1) throw new Error(`tflite-node runs models with one input and an output; this one has ${summary.inputs.length} inputs and ${summary.outputs.length} outputs`);
  const delegate = options.xnnpack === false ? undefined : xnnpackDelegate(await xnnpackPlugin());
  // The binding copies the model; hand it exactly the file's bytes.
  const model = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const created = newInterpreter(model, options.threads, delegate);
  let interpreter: Interpreter | undefined = created.interpreter;
  const { xnnpackThreads } = created;
  const input = interpreter.getInputs()[0]!;
  const output = interpreter.getOutputs()[0]!;
  const write = inputWriter(inputSummary, options.normalization);
  const read = outputReader(outputSummary);
  const imageValues = inputSummary.shape.slice(1).reduce((product, dim) => product * dim, 1);
  return {
    xnnpack: Boolean(delegate),
    ...(xnnpackThreads !== undefined ? { xnnpackThreads } : {}),
    // Asked by the job after the measurement: the threads XNNPACK really ran with join the device block.
    async deviceFacts() {
      return { extra: { xnnpack: Boolean(delegate), ...(xnnpackThreads !== undefined ? { xnnpackThreads } : {}) } };
    },
    async run(pixels, batch) {
      if (!interpreter) throw new Error('tflite-node session used after dispose');
      if (batch !== options.batchSize) throw new Error(`this session was opened for batch ${options.batchSize}; got batch ${batch}`);
      if (pixels.length !== batch * imageValues) throw new Error(`expected ${batch} images of ${inputSummary.shape.slice(1).join('×')} bytes (${batch * imageValues}), got ${pixels.length}`);
      write(pixels, input.data());
      if (!interpreter.infer()) throw new Error('TFLite inference failed');
      return read(output.data());
    },
    dispose() {
      // The binding frees the native interpreter when the object is garbage collected.
      interpreter = undefined;
    },
  };
}

async function probe(): Promise<RuntimeProbe> {
  try {
    loadBinding();
  } catch (error) {
    const code = (error as { code?: string })?.code;
    if (code === 'MODULE_NOT_FOUND') return { available: false, reason: `not installed: ${PACKAGE} is missing (run npm ci)` };
    return { available: false, reason: `failed to load ${PACKAGE} (its native addon builds at install with node-gyp): ${(error as Error).message.split('\n')[0]}` };
  }
  const plugin = await xnnpackPlugin();
  return {
    available: true,
    details: {
      tflite: '2.9.0 (tfjs-tflite-node 0.0.2)',
      xnnpack: 'path' in plugin ? `on${plugin.refused ? ` (rebuilt: refused the cached ${plugin.refused})` : ''}` : `off: ${plugin.reason}`,
      threads: `default ${availableParallelism()} (cores)`,
    },
  };
}

async function open(options: OpenOptions): Promise<NodeSession> {
  const bytes = await readFile(options.artifactPath);
  return openTfliteSession({
    bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    normalization: options.metadata.normalization,
    threads: options.threads > 0 ? options.threads : availableParallelism(),
    batchSize: options.batchSize,
  });
}

export const tfliteNodeRuntime: NodeRuntime = {
  name: 'tflite-node',
  format: 'tflite',
  probe,
  open,
  keyOptions: ({ threads }) => ({ threads }),
};
