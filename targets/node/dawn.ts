/**
 * Dawn for Node (the `webgpu` npm package: prebuilt dawn.node for Linux,
 * macOS and Windows), and the few WebGPU calls the harness makes itself: find
 * the adapter TF.js will get, and name the backend it sits on.
 *
 * The package is an optional dependency, imported by a variable specifier so
 * that type-checking and every other runtime work where it is not installed.
 * WebGPU is described here by the members used, not by DOM typings.
 */
import type { AdapterFacts } from './webgpu-adapter.ts';

export const WEBGPU_PACKAGE = 'webgpu';

export interface DawnAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}
export interface DawnDevice {
  readonly lost: Promise<{ reason: string; message: string }>;
  addEventListener(type: 'uncapturederror', listener: (event: { error: { message: string } }) => void): void;
  destroy(): void;
}
export interface DawnAdapter {
  readonly info: DawnAdapterInfo;
  /** Older Dawn builds had it here rather than in `info`. */
  readonly isFallbackAdapter?: boolean;
  requestDevice(descriptor?: object): Promise<DawnDevice>;
}
export interface DawnGpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<DawnAdapter | null>;
}
export interface DawnModule {
  /** Options are Dawn's: `backend=vulkan`, `enable-dawn-features=…`. */
  create(options: string[]): DawnGpu;
  /** GPUBufferUsage, GPUMapMode … that WebGPU code (TF.js) expects as globals. */
  globals: object;
}

/** Imports the package; throws the loader's error (not installed, or dawn.node failed to load). */
export async function loadDawn(): Promise<DawnModule> {
  const specifier: string = WEBGPU_PACKAGE;
  return (await import(specifier)) as DawnModule;
}

/** TF.js's webgpu backend asks for this adapter (its WEBGPU_USE_LOW_POWER_GPU flag is off by default). */
export const POWER_PREFERENCE = 'high-performance';

/** Dawn's backends worth naming on each platform, in the order Dawn prefers them. */
const BACKENDS: Partial<Record<NodeJS.Platform, ReadonlyArray<[option: string, name: string]>>> = {
  linux: [
    ['vulkan', 'Vulkan'],
    ['opengles', 'OpenGL ES'],
    ['opengl', 'OpenGL'],
  ],
  darwin: [['metal', 'Metal']],
  win32: [
    ['d3d12', 'D3D12'],
    ['d3d11', 'D3D11'],
    ['vulkan', 'Vulkan'],
  ],
};

function sameAdapter(a: DawnAdapterInfo, b: DawnAdapterInfo): boolean {
  return a.vendor === b.vendor && a.architecture === b.architecture && a.device === b.device && a.description === b.description;
}

/**
 * The backend an adapter sits on. WebGPU does not say, so each backend of
 * the platform is asked, on its own instance, for its adapter; the one that
 * returns the same adapter names it. Undefined when none matches.
 */
export async function identifyBackend(dawn: DawnModule, info: DawnAdapterInfo, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  for (const [option, name] of BACKENDS[platform] ?? []) {
    const candidate = await dawn.create([`backend=${option}`]).requestAdapter({ powerPreference: POWER_PREFERENCE });
    if (candidate && sameAdapter(candidate.info, info)) return name;
  }
  return undefined;
}

export function adapterFacts(adapter: DawnAdapter, backend: string | undefined): AdapterFacts {
  const { info } = adapter;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
    ...(backend ? { backend } : {}),
  };
}
