/**
 * The Mobile path in the page: a TF.js layers model on one of TF.js's browser
 * backends (wasm with SIMD and threads, webgl, webgpu, cpu).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as layers from '@tensorflow/tfjs-layers';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import type { TrainingTf } from '../../kernel/retrain.ts';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import type { InferenceSession } from '../../kernel/types.ts';
import type { PageJob, PageRuntimeReport } from './protocol.ts';
import { threadsFor, VENDOR_PATHS, type PreparedRuntime } from './runtime.ts';

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

async function configureWasm(job: PageJob): Promise<Pick<PageRuntimeReport, 'threads' | 'simd'>> {
  setWasmPaths(VENDOR_PATHS.tfjsWasm);
  const threads = threadsFor(job);
  if (job.runtimeOptions.simd === false) tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
  // One thread means the plain build: the threaded one with one worker is not the same thing.
  if (threads <= 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  else setThreadsCount(threads);
  await setBackendOrThrow('wasm');
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const multithread = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  return { threads: multithread ? getThreadsCount() : 1, simd };
}

function session(model: Pick<LayersModel, 'predict' | 'dispose'>, job: PageJob): InferenceSession {
  const size = job.model.inputSize;
  const { scale, offset } = job.model.normalization;
  return {
    async run(pixels, batch) {
      // Normalised in JS, as the Node target does, so both time the same work.
      const values = new Float32Array(pixels.length);
      for (let index = 0; index < pixels.length; index += 1) values[index] = (pixels[index] as number) * scale + offset;
      const probabilities = tf.tidy(() => model.predict(tf.tensor4d(values, [batch, size, size, 3])) as tf.Tensor);
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

/** Initialises the job's backend and loads its layers model; the report says what the backend really used. */
function backendLoader(job: PageJob): { report: PageRuntimeReport; loadModel: () => Promise<LayersModel> } {
  const backend = BACKENDS[job.runtime as keyof typeof BACKENDS];
  if (!backend) throw new Error(`${job.runtime} is not a TF.js runtime`);
  const report: PageRuntimeReport = { backend, versions: { tfjs: tf.version_core } };
  return {
    report,
    loadModel: async () => {
      if (backend === 'wasm') {
        Object.assign(report, await configureWasm(job));
        report.versions['tfjs-backend-wasm'] = version_wasm;
      } else {
        await setBackendOrThrow(backend);
      }
      return loadLayersModel(job.artifactUrl);
    },
  };
}

/** Loading initialises the backend too, as on Node (where each job is a fresh process). */
export async function setupTfjs(job: PageJob): Promise<PreparedRuntime> {
  const { report, loadModel } = backendLoader(job);
  return { report, load: async () => session(await loadModel(), job) };
}

/** The retrain workload: the page's TF.js and a loader that initialises the backend, then loads the layers model. */
export function setupTfjsTraining(job: PageJob): TrainingTf & { report: PageRuntimeReport; load: () => Promise<LayersModel> } {
  const { report, loadModel } = backendLoader(job);
  return { tf, layers, report, load: loadModel };
}
