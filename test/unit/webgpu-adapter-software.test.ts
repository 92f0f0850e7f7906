/**
 * The WebGPU adapter classifier: software adapters (SwiftShader, lavapipe /
 * llvmpipe, WARP, any fallback adapter) are told apart from GPUs, on adapter
 * info as Dawn's Node binding reports it.
 *
 * SwiftShader's is captured from Dawn (webgpu 0.6.2) on this project's
 * machines with Chromium's SwiftShader ICD. The others are built the way
 * Dawn builds them (vendor/architecture/device normalised to lower-case
 * identifiers, description from the driver: on Vulkan driverName, ": ",
 * driverInfo) from the drivers' public strings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adapterName, describeAdapter, softwareAdapter, type AdapterFacts } from '../../targets/node/webgpu-adapter.ts';

/** `adapter.info` from Dawn 0.6.2 with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json, as captured here. */
const SWIFTSHADER: AdapterFacts = {
  vendor: 'google',
  architecture: 'swiftshader',
  device: 'swiftshader-device-subzero-',
  description: 'SwiftShader driver 5.0.0',
  isFallbackAdapter: true,
  backend: 'Vulkan',
};
/** Mesa's lavapipe on Vulkan (Debian 12: Mesa 22.3.6, LLVM 15). */
const LAVAPIPE: AdapterFacts = { vendor: 'mesa', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 22.3.6 (LLVM 15.0.6)', isFallbackAdapter: true, backend: 'Vulkan' };
/** llvmpipe through Dawn's OpenGL backend, which flags only SwiftShader as a CPU adapter: the name must still give it away. */
const LLVMPIPE_GL: AdapterFacts = { vendor: 'mesa', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6', isFallbackAdapter: false, backend: 'OpenGL' };
/** Windows' software D3D12 adapter. */
const WARP: AdapterFacts = { vendor: 'microsoft', architecture: '', device: 'microsoft-basic-render-driver', description: 'D3D12 driver version 10.0.26100.1301', isFallbackAdapter: true, backend: 'D3D12' };
const NVIDIA: AdapterFacts = { vendor: 'nvidia', architecture: 'ampere', device: 'nvidia-geforce-rtx-3080', description: 'NVIDIA: 550.54.15 550.54.15.0', isFallbackAdapter: false, backend: 'Vulkan' };
const AMD: AdapterFacts = { vendor: 'amd', architecture: 'rdna-2', device: 'amd-radeon-rx-6800-radv-navi21-', description: 'radv: Mesa 23.2.1', isFallbackAdapter: false, backend: 'Vulkan' };
const APPLE: AdapterFacts = { vendor: 'apple', architecture: 'metal-3', device: 'apple-m2', description: 'Metal driver on macOS Version 14.5 (Build 23F79)', isFallbackAdapter: false, backend: 'Metal' };

test('SwiftShader as Dawn reports it here is a software adapter, named "google swiftshader"', () => {
  assert.equal(adapterName(SWIFTSHADER), 'google swiftshader');
  assert.equal(softwareAdapter(SWIFTSHADER), 'software adapter: google swiftshader is SwiftShader, which runs on the CPU');
  assert.equal(describeAdapter(SWIFTSHADER), 'google swiftshader (SwiftShader driver 5.0.0, Vulkan)');
});

test('lavapipe (Vulkan), llvmpipe (OpenGL, not flagged as fallback) and WARP are software adapters', () => {
  assert.match(softwareAdapter(LAVAPIPE) ?? '', /is lavapipe, which runs on the CPU/);
  assert.match(softwareAdapter(LLVMPIPE_GL) ?? '', /is lavapipe, which runs on the CPU/);
  assert.match(softwareAdapter(WARP) ?? '', /^software adapter: microsoft is WARP/);
});

test('an adapter Dawn flags as fallback is software even when its name means nothing to the classifier', () => {
  const unknown: AdapterFacts = { vendor: 'acme', architecture: '', device: 'emulated-gpu', description: 'Acme CPU renderer 1.0', isFallbackAdapter: true };
  assert.equal(softwareAdapter(unknown), 'software adapter: acme is a fallback (CPU) adapter');
  assert.equal(softwareAdapter({ ...unknown, isFallbackAdapter: false }), undefined);
});

test('NVIDIA, AMD and Apple GPUs are hardware adapters', () => {
  for (const gpu of [NVIDIA, AMD, APPLE]) assert.equal(softwareAdapter(gpu), undefined, describeAdapter(gpu));
  assert.equal(describeAdapter(NVIDIA), 'nvidia ampere (NVIDIA: 550.54.15 550.54.15.0, Vulkan)');
  assert.equal(adapterName(APPLE), 'apple metal-3');
});

test('an adapter without vendor and architecture is named by its device, then its description', () => {
  assert.equal(adapterName({ ...NVIDIA, vendor: '', architecture: '' }), 'nvidia-geforce-rtx-3080');
  assert.equal(adapterName({ ...NVIDIA, vendor: '', architecture: '', device: '' }), 'NVIDIA: 550.54.15 550.54.15.0');
  assert.equal(describeAdapter({ vendor: 'x', architecture: '', device: '', description: '', isFallbackAdapter: false }), 'x');
});
