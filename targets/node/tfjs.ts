/**
 * TF.js backends as Node runtimes: `tfjs-tensorflow` (@tensorflow/tfjs-node,
 * libtensorflow on the CPU), `tfjs-tensorflow-gpu` (@tensorflow/tfjs-node-gpu,
 * CUDA 11.2 only: see ./cuda.ts), `tfjs-wasm` and `tfjs-cpu`; `tfjs-webgpu`
 * (Dawn) is ./webgpu.ts. TF.js itself is imported lazily, so listing the
 * runtimes costs nothing.
 *
 * A session normalises the raw RGB bytes (value = pixel × scale + offset, as
 * the model's metadata says), runs the layers or graph model and reads the output back
 * with `await data()`, disposing every tensor. Loading includes initialising
 * the backend: each job runs in a fresh process, so that cost is always paid.
 */
import { TFJS_CPU_OPT_IN } from '../opt-in.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import type { InferenceSession } from '../kernel/types.ts';
import type { TrainingTf } from '../kernel/head-training.ts';
import { cudaSearchHere, findCuda, tensorflowGpuLoadFailure, tensorflowGpuReadiness } from './cuda.ts';
import type { NodeRuntime, OpenOptions, RuntimeProbe } from './runtime-types.ts';

type Tf = typeof import('@tensorflow/tfjs');

interface BackendSpec {
  /** Runtime name in measurement keys. */
  runtime: string;
  /** TF.js backend name. */
  backend: string;
  /** Package that registers the backend when imported. */
  package: string;
  /**
   * Imports the package. A literal specifier where the package is always
   * installed, so that a bundler (the GPU-machine bundle) includes it;
   * default: import(package), for the optional ones.
   */
  load?: () => Promise<unknown>;
  /** Why a default run leaves it out (targets/opt-in.ts). */
  optIn?: string;
  /** Added to "not installed" reasons. */
  installHint?: string;
  /** Checked before the import: why the backend could not run here as named, or undefined. */
  precheck?: () => string | undefined;
  /** The reason for an import that threw, from the loader's message (default: "failed to load <package>: <message>"). */
  loadFailure?: (message: string) => string;
}

const TFJS_NODE_HINT =
  'an optional dependency whose install downloads libtensorflow; it did not install here (offline?). Install it with network access: npm install @tensorflow/tfjs-node (or point TFJS_NODE_CDN_STORAGE at a mirror)';
const TFJS_NODE_GPU_HINT =
  'an optional dependency whose install downloads libtensorflow 2.9.1 for CUDA; it did not install here. It needs Linux x64, an NVIDIA GPU, CUDA 11.2 and cuDNN 8.1 (not CUDA 12/13: there, use tfjs-webgpu); install it with network access: npm install @tensorflow/tfjs-node-gpu';

const tensorflowGpu = {
  precheck: () => {
    const readiness = tensorflowGpuReadiness(findCuda(cudaSearchHere()));
    return readiness.ready ? undefined : readiness.reason;
  },
  loadFailure: (message: string) => tensorflowGpuLoadFailure(message, findCuda(cudaSearchHere())),
};

export const TFJS_BACKENDS: readonly BackendSpec[] = [
  { runtime: 'tfjs-tensorflow', backend: 'tensorflow', package: '@tensorflow/tfjs-node', installHint: TFJS_NODE_HINT },
  { runtime: 'tfjs-tensorflow-gpu', backend: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', installHint: TFJS_NODE_GPU_HINT, ...tensorflowGpu },
  { runtime: 'tfjs-wasm', backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', load: () => import('@tensorflow/tfjs-backend-wasm') },
  { runtime: 'tfjs-cpu', backend: 'cpu', package: '@tensorflow/tfjs-backend-cpu', optIn: TFJS_CPU_OPT_IN },
];

export function isModuleNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: string })?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(specifier);
}

/** Imports the backend package (which registers the backend) and makes it the active one. */
async function activate(spec: BackendSpec): Promise<Tf> {
  const tf = await import('@tensorflow/tfjs');
  // Production mode: no per-op correctness checks in the timed path (and no console banner).
  tf.enableProdMode();
  // tfjs-node(-gpu) register "tensorflow" on import; wasm registers "wasm"; "cpu" comes with @tensorflow/tfjs.
  if (spec.backend !== 'cpu') await (spec.load ? spec.load() : import(spec.package as string));
  if (!(await tf.setBackend(spec.backend))) throw new Error(`TF.js backend "${spec.backend}" failed to initialise (see the messages above)`);
  await tf.ready();
  return tf;
}

function isInstalled(specifier: string): boolean {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

async function probe(spec: BackendSpec): Promise<RuntimeProbe> {
  if (!isInstalled(spec.package)) return { available: false, reason: `not installed: ${spec.package} is ${spec.installHint ?? 'missing (run npm ci)'}` };
  const unfit = spec.precheck?.();
  if (unfit) return { available: false, reason: unfit };
  let tf: Tf;
  try {
    tf = await activate(spec);
  } catch (error) {
    if (isModuleNotFound(error, spec.package)) return { available: false, reason: `not installed: ${spec.package} is ${spec.installHint ?? 'missing (run npm ci)'}` };
    const message = (error as Error)?.message ?? String(error);
    return { available: false, reason: spec.loadFailure?.(message) ?? `failed to load ${spec.package}: ${message}` };
  }
  const details: Record<string, string> = { tfjs: tf.version.tfjs, backend: spec.backend };
  if (spec.backend === 'wasm') {
    details.simd = String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    details.threads = '1 (TF.js wasm is single-threaded in Node)';
  }
  return { available: true, details, ...(spec.optIn ? { optIn: spec.optIn } : {}) };
}

/** A session on a loaded layers or graph model; exported for tests. */
export function tfjsSession(tf: Tf, model: import('../../models/model-io.ts').TfjsModel, metadata: Pick<ModelMetadata, 'inputSize' | 'normalization'>): InferenceSession {
  const size = metadata.inputSize;
  const { scale, offset } = metadata.normalization;
  const imageValues = size * size * 3;
  return {
    async run(pixels, batch) {
      if (pixels.length !== batch * imageValues) throw new Error(`expected ${batch} images of ${size}×${size}×3 bytes (${batch * imageValues}), got ${pixels.length} bytes`);
      const values = new Float32Array(pixels.length);
      for (let index = 0; index < pixels.length; index += 1) values[index] = pixels[index]! * scale + offset;
      const input = tf.tensor4d(values, [batch, size, size, 3]);
      let output: import('@tensorflow/tfjs').Tensor | import('@tensorflow/tfjs').Tensor[] | import('@tensorflow/tfjs').NamedTensorMap | undefined;
      try {
        output = model.predict(input);
        // A graph model with several outputs may answer a map by name; the classifier's is the first.
        const first = output instanceof tf.Tensor ? output : Array.isArray(output) ? output[0]! : Object.values(output)[0]!;
        return (await first.data()) as Float32Array;
      } finally {
        input.dispose();
        if (output) tf.dispose(output);
      }
    },
    memory() {
      const { numBytes, numTensors } = tf.memory();
      return { bytes: numBytes, tensors: numTensors };
    },
    dispose() {
      model.dispose();
    },
  };
}

/** Loads the artifact's TF.js model (layers or graph) on the active backend and checks its input size against the metadata. */
export async function loadCheckedModel(options: OpenOptions): Promise<import('../../models/model-io.ts').TfjsModel> {
  const { loadTfjsModel } = await import('../../models/model-io.ts');
  const model = await loadTfjsModel(options.artifactPath);
  // Graph models say -1 for a free dimension, layers models null.
  const side = model.inputs[0]?.shape?.[1];
  if (typeof side === 'number' && side > 0 && side !== options.metadata.inputSize) {
    model.dispose();
    throw new Error(`${options.artifactPath} takes ${side} px inputs, its metadata says ${options.metadata.inputSize}`);
  }
  return model;
}

async function open(spec: BackendSpec, options: OpenOptions): Promise<InferenceSession> {
  const tf = await activate(spec);
  return tfjsSession(tf, await loadCheckedModel(options), options.metadata);
}

/** TF.js with the backend active and the artifact's layers model, for the retrain workload (a graph model has no layers to train). */
export async function openTraining(tf: Tf, options: OpenOptions): Promise<TrainingTf & { model: import('@tensorflow/tfjs-layers').LayersModel }> {
  const model = await loadCheckedModel(options);
  if (!(model instanceof tf.LayersModel)) {
    model.dispose();
    throw new Error(`${options.artifactPath} is a graph model: only a layers model can be cut at its feature layer and retrained`);
  }
  // @tensorflow/tfjs re-exports tfjs-core and tfjs-layers: one namespace serves as both.
  return { tf, layers: tf, model };
}

export function tfjsRuntime(spec: BackendSpec): NodeRuntime {
  return {
    name: spec.runtime,
    format: 'tfjs',
    probe: () => probe(spec),
    open: (options) => open(spec, options),
    openTraining: async (options) => openTraining(await activate(spec), options),
  };
}

export const tfjsRuntimes: NodeRuntime[] = TFJS_BACKENDS.map(tfjsRuntime);
