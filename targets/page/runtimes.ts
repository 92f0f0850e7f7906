/**
 * Which page runtimes a browser can run, and why not, decided from the
 * capabilities the page itself reported. Pure: tests feed it capabilities.
 */
import type { ArtifactFormat } from '../../harness/core/record.ts';
import { softwareLabel } from '../../harness/core/software-gpu.ts';
import { TFJS_CPU_OPT_IN } from '../opt-in.ts';
import type { RuntimeStatus } from '../types.ts';
import type { PageCapabilities, PageRuntime } from './app/protocol.ts';

export const RUNTIME_FORMATS: Record<PageRuntime, ArtifactFormat> = {
  'tfjs-wasm': 'tfjs',
  'tfjs-webgl': 'tfjs',
  'tfjs-webgpu': 'tfjs',
  'tfjs-cpu': 'tfjs',
  'litert-wasm': 'tflite',
  'litert-webgpu': 'tflite',
};

/** Every TF.js backend trains (the retrain workload); LiteRT.js runs inference only. Desktop browsers and phones alike. */
export const pageRuntimeTrains = (runtime: PageRuntime): boolean => RUNTIME_FORMATS[runtime] === 'tfjs';

/** Why WASM threads are off, or undefined when they are on. */
export function threadsUnavailableReason(caps: PageCapabilities): string | undefined {
  if (caps.wasm.threads) return undefined;
  if (!caps.crossOriginIsolated) return 'page not cross-origin isolated (needs COOP same-origin + COEP require-corp headers)';
  if (!caps.sharedArrayBuffer) return 'SharedArrayBuffer unavailable in this browser';
  return 'shared WebAssembly memory unavailable in this browser';
}

export interface RuntimeVersions {
  tfjs: string;
  litert: string;
}

export function runtimeStatuses(caps: PageCapabilities, versions: RuntimeVersions): RuntimeStatus[] {
  const threadsReason = threadsUnavailableReason(caps);
  const noWasm = caps.wasm.supported ? undefined : 'WebAssembly unavailable in this browser';
  const noGpu = caps.webgpu.adapter ? undefined : (caps.webgpu.error ?? 'no WebGPU adapter');
  const tfjs = { tfjs: versions.tfjs };
  const litert = { litert: versions.litert };
  const webglSoftware = caps.webgl.software ? softwareLabel('renderer', caps.webgl.software) : undefined;
  const webgpuSoftware = caps.webgpu.software ? softwareLabel('adapter', caps.webgpu.software) : undefined;
  const status = (runtime: PageRuntime, reason: string | undefined, details: Record<string, string>, software?: string): RuntimeStatus => ({
    runtime,
    format: RUNTIME_FORMATS[runtime],
    available: reason === undefined,
    ...(reason ? { reason } : {}),
    details,
    ...(reason === undefined && software ? { software } : {}),
    ...(reason === undefined && pageRuntimeTrains(runtime) ? { trains: true } : {}),
  });
  // LiteRT.js ships its threaded build only for relaxed-SIMD browsers.
  const litertThreadsReason = threadsReason ?? (caps.wasm.relaxedSimd ? undefined : 'LiteRT.js threads need WebAssembly relaxed SIMD');
  return [
    status('tfjs-wasm', noWasm, { ...tfjs, simd: String(caps.wasm.simd), threads: threadsReason ? `no: ${threadsReason}` : 'yes' }),
    status(
      'tfjs-webgl',
      caps.webgl.webgl2 ? undefined : `no WebGL2: ${caps.webgl.error ?? 'context unavailable'}`,
      {
        ...tfjs,
        ...(caps.webgl.renderer ? { renderer: caps.webgl.renderer } : {}),
      },
      webglSoftware,
    ),
    status('tfjs-webgpu', noGpu, { ...tfjs, ...(caps.webgpu.architecture ? { adapter: [caps.webgpu.vendor, caps.webgpu.architecture].filter(Boolean).join(' ') } : {}) }, webgpuSoftware),
    { ...status('tfjs-cpu', undefined, tfjs), optIn: TFJS_CPU_OPT_IN },
    status('litert-wasm', noWasm, { ...litert, threads: litertThreadsReason ? `no: ${litertThreadsReason}` : 'yes', relaxedSimd: String(caps.wasm.relaxedSimd) }),
    status('litert-webgpu', noGpu, litert, webgpuSoftware),
  ];
}
