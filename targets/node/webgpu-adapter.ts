/**
 * What a WebGPU adapter is, in plain data, and whether it is a software one.
 * Pure: no Dawn, no I/O, so the rule is unit-tested on real adapter strings.
 *
 * Dawn's Node binding reports `vendor`, `architecture` and `device` as
 * normalised identifiers (lower case, runs of other characters turned into
 * one `-`: "SwiftShader Device (Subzero)" → `swiftshader-device-subzero-`)
 * and `description` as the driver's own words (on Vulkan: driverName, then
 * `: driverInfo`, then the driver version: "SwiftShader driver 5.0.0").
 * `isFallbackAdapter` is true exactly when Dawn classed the adapter as a CPU
 * (Vulkan's VK_PHYSICAL_DEVICE_TYPE_CPU, D3D12's software flag).
 */

/** An adapter as Dawn describes it, plus the backend it was found on. */
export interface AdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** `Vulkan`, `Metal`, `D3D12` …, where known. */
  backend?: string;
}

/** Software implementations of a GPU API, by a pattern that names them in an adapter's strings. */
const SOFTWARE_IMPLEMENTATIONS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'SwiftShader', pattern: /swiftshader/i },
  // Mesa's Vulkan on the CPU: the driver calls itself llvmpipe; the project calls it lavapipe.
  { name: 'lavapipe', pattern: /lavapipe|llvmpipe/i },
  { name: 'softpipe', pattern: /softpipe/i },
  // Windows' software D3D12 adapter.
  { name: 'WARP', pattern: /microsoft[- ]basic[- ]render|\bwarp\b/i },
];

/** "google swiftshader", "nvidia ampere", else the device or the description: how an adapter is named in lines and reports. */
export function adapterName(facts: AdapterFacts): string {
  return [facts.vendor, facts.architecture].filter(Boolean).join(' ') || facts.device || facts.description || 'unnamed adapter';
}

/**
 * Why the adapter is a software one (a CPU pretending to be a GPU: its
 * numbers say nothing about a GPU), or undefined for a hardware adapter.
 */
export function softwareAdapter(facts: AdapterFacts): string | undefined {
  const text = [facts.vendor, facts.architecture, facts.device, facts.description].join(' ');
  const known = SOFTWARE_IMPLEMENTATIONS.find((entry) => entry.pattern.test(text));
  if (known) return `software adapter: ${adapterName(facts)} is ${known.name}, which runs on the CPU`;
  if (facts.isFallbackAdapter) return `software adapter: ${adapterName(facts)} is a fallback (CPU) adapter`;
  return undefined;
}

/** One line for `bench devices` and logs: "google swiftshader (SwiftShader driver 5.0.0, Vulkan)". */
export function describeAdapter(facts: AdapterFacts): string {
  const extra = [facts.description, facts.backend].filter(Boolean).join(', ');
  return `${adapterName(facts)}${extra ? ` (${extra})` : ''}`;
}
