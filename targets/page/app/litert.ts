/**
 * The Lite path in the page: a .tflite file on LiteRT.js (`@litertjs/core`),
 * on its wasm accelerator (XNNPACK, threads where the page is isolated) or on
 * WebGPU. LiteRT.js tensors are float32, int32 or uint8 only.
 */
import { loadAndCompile, loadLiteRt, supportsFeature, Tensor, type CompiledModel, type TypedArray } from '@litertjs/core';
import type { InferenceSession } from '../../kernel/types.ts';
import type { PageJob, PageRuntimeReport } from './protocol.ts';
import { withBatchSize } from '../../../models/tflite/reader.ts';
import { readTfliteIo, type TfliteTensorInfo } from './tflite-io.ts';
import { settingsRefused, VENDOR_PATHS, wasmSettings, type PreparedRuntime } from './runtime.ts';

/** The @litertjs/core version the page was built with (checked by the size test against package.json). */
export const LITERT_VERSION = '2.5.3';

const SUPPORTED_TYPES = new Set(['float32', 'uint8', 'int32']);

function checkTensor(role: string, tensor: TfliteTensorInfo | undefined): TfliteTensorInfo {
  if (!tensor) throw new Error(`.tflite model has no ${role} tensor`);
  if (!SUPPORTED_TYPES.has(tensor.type)) {
    throw new Error(`.tflite ${role} "${tensor.name}" is ${tensor.type}; LiteRT.js takes float32, int32 or uint8 only (convert with float or uint8 inputs/outputs)`);
  }
  return tensor;
}

/** Raw RGB bytes → the model's input: normalised floats, or quantised integers (q = real / scale + zeroPoint). */
function toInput(pixels: Uint8Array, input: TfliteTensorInfo, job: PageJob): TypedArray {
  const { scale, offset } = job.model.normalization;
  if (input.type === 'float32') {
    const out = new Float32Array(pixels.length);
    for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i] as number) * scale + offset;
    return out;
  }
  const quant = input.quantization ?? { scale: 1, zeroPoint: 0 };
  const [low, high, out] = input.type === 'uint8' ? [0, 255, new Uint8Array(pixels.length)] : [-(2 ** 31), 2 ** 31 - 1, new Int32Array(pixels.length)];
  for (let i = 0; i < pixels.length; i++) {
    const q = Math.round(((pixels[i] as number) * scale + offset) / quant.scale + quant.zeroPoint);
    out[i] = Math.min(high, Math.max(low, q));
  }
  return out;
}

function toProbabilities(values: TypedArray, output: TfliteTensorInfo): Float32Array {
  if (values instanceof Float32Array) return values.slice();
  const quant = output.quantization ?? { scale: 1, zeroPoint: 0 };
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = quant.scale * ((values[i] as number) - quant.zeroPoint);
  return out;
}

function session(model: CompiledModel, input: TfliteTensorInfo, output: TfliteTensorInfo, job: PageJob): InferenceSession {
  const size = job.model.inputSize;
  const modelBatch = input.shape[0] ?? 1;
  return {
    async run(pixels, batch) {
      if (batch !== modelBatch) throw new Error(`the .tflite input takes batches of ${modelBatch}, not ${batch}`);
      const tensor = new Tensor(toInput(pixels, input, job), [batch, size, size, 3]);
      let outputs: Tensor[] = [];
      try {
        outputs = await model.run(tensor);
        const first = outputs[0];
        if (!first) throw new Error('LiteRT.js returned no output tensor');
        const onHost = first.accelerator === 'wasm' ? first : await first.moveTo('wasm');
        if (onHost !== first) outputs[0] = onHost;
        return toProbabilities(onHost.toTypedArray(), output);
      } finally {
        tensor.delete();
        for (const out of outputs) if (!out.deleted) out.delete();
      }
    },
    dispose() {
      model.delete();
    },
  };
}

let loadedWith: { threads: boolean } | null = null;

/**
 * LiteRT.js picks its build itself (relaxed SIMD where the browser has it;
 * threads only on top of relaxed SIMD, and only when asked): the host's
 * decision is checked against what it will pick, never replaced by it.
 */
async function checkWasmSettings(job: PageJob): Promise<{ threads: number; simd: boolean }> {
  const decided = wasmSettings(job);
  const relaxedSimd = await supportsFeature('relaxedSimd');
  if (decided.simd !== relaxedSimd) throw settingsRefused(job, `relaxed SIMD ${decided.simd ? 'on' : 'off'}`);
  if (decided.threads > 1 && !(globalThis.crossOriginIsolated && relaxedSimd && (await supportsFeature('threads')))) {
    throw settingsRefused(job, `${decided.threads} threads (LiteRT.js threads need cross-origin isolation and relaxed SIMD)`);
  }
  return decided;
}

export async function setupLitert(job: PageJob): Promise<PreparedRuntime> {
  const accelerator = job.runtime === 'litert-webgpu' ? 'webgpu' : 'wasm';
  const wasm = accelerator === 'wasm' ? await checkWasmSettings(job) : undefined;
  const threaded = wasm !== undefined && wasm.threads > 1;
  const report: PageRuntimeReport = {
    backend: accelerator,
    versions: { litert: LITERT_VERSION },
    ...(wasm ? { threads: wasm.threads, simd: wasm.simd } : {}),
  };
  return {
    report,
    // Loading includes starting LiteRT's wasm module, as TF.js's load includes its backend.
    load: async () => {
      if (loadedWith && loadedWith.threads !== threaded) throw new Error('LiteRT.js is already loaded in this page with other thread settings; use a fresh page per job');
      if (!loadedWith) {
        await loadLiteRt(VENDOR_PATHS.litert, { threads: threaded });
        loadedWith = { threads: threaded };
      }
      const response = await fetch(job.artifactUrl);
      if (!response.ok) throw new Error(`GET ${job.artifactUrl}: HTTP ${response.status}`);
      const fetched = new Uint8Array(await response.arrayBuffer());
      // LiteRT.js cannot resize inputs: batches above 1 get a copy of the file declaring that batch (as tflite-node does).
      const batch = job.kernel.batchSize;
      const bytes = batch === 1 ? fetched : withBatchSize(fetched, batch);
      const io = readTfliteIo(bytes);
      const input = checkTensor('input', io.inputs[0]);
      const output = checkTensor('output', io.outputs[0]);
      if (output.shape[0] !== batch) {
        // LiteRT.js sizes its output buffers from the shapes written in the file, so only the inputs can be rewritten.
        throw new Error(`LiteRT.js ${LITERT_VERSION} cannot resize a model: this .tflite's output is [${output.shape.join(', ')}], so it runs at batch ${output.shape[0] ?? 1} only, not ${batch} (use batch size 1 for litert-* runtimes)`);
      }
      const model = await loadAndCompile(bytes, { accelerator, ...(accelerator === 'wasm' ? { cpuOptions: { numThreads: wasm?.threads ?? 1 } } : {}) });
      report.fullyAccelerated = model.isFullyAccelerated;
      return session(model, input, output, job);
    },
  };
}
