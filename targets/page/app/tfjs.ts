/**
 * The Mobile path in the page: a TF.js model (layers, or a graph model as
 * tensorflowjs_converter writes from a SavedModel) on one of TF.js's browser
 * backends (wasm with SIMD and threads, webgl, webgpu, cpu).
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as layers from '@tensorflow/tfjs-layers';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import type { TrainingTf } from '../../kernel/head-training.ts';
import type { ProfileTf } from '../../kernel/tfjs-profile.ts';
import type { ProbeTf } from '../../kernel/peak-probe.ts';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import type { InferenceSession } from '../../kernel/types.ts';
import type { PageJob, PageRuntimeReport } from './protocol.ts';
import { settingsRefused, VENDOR_PATHS, wasmSettings, type PreparedRuntime } from './runtime.ts';
import { isGraphModelJson } from '../../../models/model-format.ts';

const BACKENDS = { 'tfjs-wasm': 'wasm', 'tfjs-webgl': 'webgl', 'tfjs-webgpu': 'webgpu', 'tfjs-cpu': 'cpu' } as const;

/**
 * tf.setBackend answers only true/false and logs the reason with console.warn:
 * keep that text so the failure says why.
 */
async function setBackendOrThrow(name: string): Promise<void> {
  const warnings: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' '));
    originalWarn.apply(console, args);
  };
  try {
    if (!tf.findBackendFactory(name)) throw new Error(`TF.js backend "${name}" is not registered in this browser (its API is missing)`);
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`TF.js backend "${name}" failed to initialise${warnings.length ? `: ${warnings.join('; ')}` : ''}`);
    await tf.ready();
  } finally {
    console.warn = originalWarn;
  }
}

/** Sets the backend up with the host's decided threads and SIMD; the report says what TF.js then uses. */
async function configureWasm(job: PageJob): Promise<Pick<PageRuntimeReport, 'threads' | 'simd'>> {
  setWasmPaths(VENDOR_PATHS.tfjsWasm);
  const decided = wasmSettings(job);
  // TF.js picks its binary from these flags: set both, so it never falls back to its own feature detection.
  if (!decided.simd) tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
  // One thread means the plain build: the threaded one with one worker is not the same thing.
  if (decided.threads === 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  else setThreadsCount(decided.threads);
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const multithread = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  if (simd !== decided.simd) throw settingsRefused(job, `SIMD ${decided.simd ? 'on' : 'off'}`);
  if (decided.threads > 1 && !multithread) throw settingsRefused(job, `${decided.threads} threads (no threaded wasm: page not cross-origin isolated?)`);
  await setBackendOrThrow('wasm');
  return { threads: multithread ? getThreadsCount() : 1, simd };
}

/** What the session needs of either kind of model. */
interface PageModel {
  predict(input: tf.Tensor): tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
  dispose(): void;
}

/**
 * model.json fetched once; its own `format` says which loader takes it
 * (the job carries only the URL, as for a retrained model).
 */
async function loadModel(url: string): Promise<PageModel> {
  // The http handler always has load(); the IOHandler type leaves it optional.
  const artifacts = await tf.io.http(url).load!();
  const memory = tf.io.fromMemory(artifacts);
  return isGraphModelJson(artifacts) ? loadGraphModel(memory) : loadLayersModel(memory);
}

/** A classifier's probabilities: its one output, or the first of several. */
function firstOutput(result: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap): tf.Tensor {
  if (result instanceof tf.Tensor) return result;
  const first = Array.isArray(result) ? result[0] : Object.values(result)[0];
  if (!first) throw new Error('the model returned no output tensor');
  return first;
}

function session(model: PageModel, job: PageJob): InferenceSession {
  const size = job.model.inputSize;
  const { scale, offset } = job.model.normalization;
  return {
    async run(pixels, batch) {
      // Normalised in JS, as the Node target does, so both time the same work.
      const values = new Float32Array(pixels.length);
      for (let index = 0; index < pixels.length; index += 1) values[index] = (pixels[index] as number) * scale + offset;
      const probabilities = tf.tidy(() => firstOutput(model.predict(tf.tensor4d(values, [batch, size, size, 3]))));
      try {
        return (await probabilities.data()) as Float32Array;
      } finally {
        probabilities.dispose();
      }
    },
    memory() {
      const memory = tf.memory();
      return { bytes: memory.numBytes, tensors: memory.numTensors };
    },
    dispose() {
      model.dispose();
    },
  };
}

/**
 * Backends this page has initialised, by runtime and wasm settings: an A/B
 * job loads two models on one backend, and the wasm backend takes its paths
 * and threads only before it starts.
 */
const initialised = new Map<string, Promise<Pick<PageRuntimeReport, 'threads' | 'simd'> | undefined>>();

/** The job's backend, initialised on demand (once per page for the same settings); the report says what the backend really used. */
function backendLoader(job: PageJob): { report: PageRuntimeReport; initialise: () => Promise<void> } {
  const backend = BACKENDS[job.runtime as keyof typeof BACKENDS];
  if (!backend) throw new Error(`${job.runtime} is not a TF.js runtime`);
  const report: PageRuntimeReport = { backend, versions: { tfjs: tf.version_core } };
  return {
    report,
    initialise: async () => {
      const key = `${job.runtime} ${JSON.stringify(job.wasm ?? null)}`;
      let started = initialised.get(key);
      if (!started) {
        started = backend === 'wasm' ? configureWasm(job) : setBackendOrThrow(backend).then(() => undefined);
        initialised.set(key, started);
        // A failed start is not remembered: the next job says why again.
        started.catch(() => initialised.delete(key));
      }
      const wasm = await started;
      if (wasm) Object.assign(report, wasm, { versions: { ...report.versions, 'tfjs-backend-wasm': version_wasm } });
    },
  };
}

/** Loading initialises the backend too, as on Node (where each job is a fresh process). */
export async function setupTfjs(job: PageJob): Promise<PreparedRuntime> {
  const { report, initialise } = backendLoader(job);
  return {
    report,
    load: async () => {
      await initialise();
      return session(await loadModel(job.artifactUrl), job);
    },
  };
}

/** The retrain workload: the page's TF.js and a loader that initialises the backend, then loads the layers model (a retrained Mobile artifact). */
export function setupTfjsTraining(job: PageJob): TrainingTf & { report: PageRuntimeReport; load: () => Promise<LayersModel> } {
  const { report, initialise } = backendLoader(job);
  return {
    tf,
    layers,
    report,
    load: async () => {
      await initialise();
      return loadLayersModel(job.artifactUrl);
    },
  };
}

/**
 * The job's model for tf.profile (./profile.ts): the page's TF.js as the
 * profiler needs it, the model itself (its layers are marked) and the session
 * that runs it; disposing the session disposes the model.
 */
export async function loadTfjsForProfile(job: PageJob): Promise<{ tf: ProfileTf; probeTf: ProbeTf; model: Parameters<typeof import('../../kernel/tfjs-profile.ts').profileTfjs>[1]; session: InferenceSession }> {
  const { initialise } = backendLoader(job);
  await initialise();
  const model = await loadModel(job.artifactUrl);
  const profileTf = { engine: tf.engine, profile: tf.profile, getBackend: tf.getBackend, LayersModel: layers.LayersModel } as unknown as ProfileTf;
  const probeTf = { matMul: tf.matMul, fill: tf.fill, getBackend: tf.getBackend, conv2d: tf.conv2d, depthwiseConv2d: tf.depthwiseConv2d } as unknown as ProbeTf;
  return { tf: profileTf, probeTf, model: model as Parameters<typeof import('../../kernel/tfjs-profile.ts').profileTfjs>[1], session: session(model, job) };
}
