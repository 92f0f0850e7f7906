/**
 * Software GPUs are not GPUs: tells a CPU emulation of a GPU (SwiftShader,
 * Mesa's llvmpipe/lavapipe/softpipe, Windows' WARP "Microsoft Basic Render
 * Driver", Apple's software renderer) from real hardware, by the WebGL
 * renderer string or the WebGPU adapter info a runtime reports. Numbers
 * measured on one say nothing about any real GPU, so the default plan leaves
 * such runtimes out and the record labels them when asked for anyway.
 *
 * Pure and free of Node and DOM APIs: the benchmark page (its capabilities)
 * and Node runtimes on Dawn classify with the same rules.
 */

/** Known software implementations, matched case-insensitively anywhere in the string. */
const SOFTWARE: ReadonlyArray<{ pattern: RegExp; name: string }> = [
  { pattern: /swiftshader/i, name: 'SwiftShader' },
  { pattern: /llvmpipe/i, name: 'llvmpipe' },
  { pattern: /lavapipe/i, name: 'lavapipe' },
  { pattern: /softpipe/i, name: 'softpipe' },
  { pattern: /microsoft basic render driver/i, name: 'Microsoft Basic Render Driver' },
  { pattern: /apple software renderer/i, name: 'Apple Software Renderer' },
];

/** The name of the software implementation behind a WebGL renderer string (e.g. `ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device …))`), or undefined for hardware or an unknown string. */
export function softwareRenderer(renderer: string | undefined): string | undefined {
  if (!renderer) return undefined;
  return SOFTWARE.find((entry) => entry.pattern.test(renderer))?.name;
}

/** What a WebGPU adapter says about itself (GPUAdapterInfo, plus the fallback flag older browsers put on the adapter). */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** GPUAdapterInfo.isFallbackAdapter: the browser's own "this is a software adapter". */
  isFallbackAdapter?: boolean;
}

/**
 * The name of the software implementation behind a WebGPU adapter, or
 * undefined for hardware: a known name in any field wins; otherwise an
 * adapter that calls itself a fallback adapter is software all the same.
 */
export function softwareAdapter(info: AdapterInfoLike | undefined): string | undefined {
  if (!info) return undefined;
  for (const text of [info.description, info.device, info.architecture, info.vendor]) {
    const name = softwareRenderer(text);
    if (name) return name;
  }
  return info.isFallbackAdapter ? 'WebGPU fallback adapter' : undefined;
}

/** How a runtime status, a plan line and a report name a software device: `software renderer (SwiftShader)`. */
export function softwareLabel(kind: 'renderer' | 'adapter', name: string): string {
  return `software ${kind} (${name})`;
}
