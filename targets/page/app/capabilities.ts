/**
 * What this browser offers the runtimes, read from inside the page: the host
 * cannot know whether WebGPU gives an adapter or the page is isolated without
 * asking the page itself.
 */
import { softwareAdapter, softwareRenderer } from '../../../harness/core/software-gpu.ts';
import { PROTOCOL_VERSION, type PageCapabilities } from './protocol.ts';

/** The slice of the WebGPU API the page uses (TypeScript's DOM library has no WebGPU types). */
export interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
export interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  /** Where the fallback flag lived before GPUAdapterInfo had it. */
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<GpuAdapterInfoLike>;
}
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

export function navigatorGpu(): GpuLike | undefined {
  return (navigator as Navigator & { gpu?: GpuLike }).gpu;
}

// Tiny modules from the wasm-feature-detect project: each validates only where the feature exists.
const SIMD_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
const RELAXED_SIMD_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

function wasmThreads(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || !globalThis.crossOriginIsolated) return false;
  try {
    // A shared memory is what a threaded module needs; it fails without isolation.
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

function readWebgl(): PageCapabilities['webgl'] {
  try {
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2');
    if (!gl) return { webgl2: false, error: 'canvas.getContext("webgl2") returned null' };
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const vendor = String(gl.getParameter(debug ? debug.UNMASKED_VENDOR_WEBGL : gl.VENDOR));
    const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    const software = softwareRenderer(renderer);
    return { webgl2: true, vendor, renderer, ...(software ? { software } : {}) };
  } catch (error) {
    return { webgl2: false, error: (error as Error).message };
  }
}

async function readWebgpu(): Promise<PageCapabilities['webgpu']> {
  const gpu = navigatorGpu();
  if (!gpu) return { api: false, adapter: false, error: 'navigator.gpu is undefined (WebGPU disabled in this browser or not a secure context)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { api: true, adapter: false, error: 'navigator.gpu.requestAdapter() returned null (no usable GPU adapter)' };
    const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
    const isFallbackAdapter = info.isFallbackAdapter ?? adapter.isFallbackAdapter;
    // GPUAdapterInfo's fields are getters on its prototype: read them one by one (a spread would copy none).
    const software = softwareAdapter({
      ...(info.vendor !== undefined ? { vendor: info.vendor } : {}),
      ...(info.architecture !== undefined ? { architecture: info.architecture } : {}),
      ...(info.device !== undefined ? { device: info.device } : {}),
      ...(info.description !== undefined ? { description: info.description } : {}),
      ...(isFallbackAdapter !== undefined ? { isFallbackAdapter } : {}),
    });
    return {
      api: true,
      adapter: true,
      ...(isFallbackAdapter !== undefined ? { isFallbackAdapter } : {}),
      ...(software ? { software } : {}),
      ...(info.vendor ? { vendor: info.vendor } : {}),
      ...(info.architecture ? { architecture: info.architecture } : {}),
      ...(info.device ? { device: info.device } : {}),
      ...(info.description ? { description: info.description } : {}),
    };
  } catch (error) {
    return { api: true, adapter: false, error: `requestAdapter failed: ${(error as Error).message}` };
  }
}

export async function readCapabilities(): Promise<PageCapabilities> {
  const memory = (performance as Performance & { memory?: { jsHeapSizeLimit?: number } }).memory;
  const wasmSupported = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
  return {
    protocol: PROTOCOL_VERSION,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency ?? 1,
    ...(memory?.jsHeapSizeLimit ? { jsHeapLimitBytes: memory.jsHeapSizeLimit } : {}),
    crossOriginIsolated: Boolean(globalThis.crossOriginIsolated),
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
    wasm: {
      supported: wasmSupported,
      simd: wasmSupported && validates(SIMD_MODULE),
      relaxedSimd: wasmSupported && validates(RELAXED_SIMD_MODULE),
      threads: wasmSupported && wasmThreads(),
    },
    webgl: readWebgl(),
    webgpu: await readWebgpu(),
  };
}
