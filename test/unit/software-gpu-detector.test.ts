/**
 * Software GPUs are told from real ones by the strings browsers really
 * report. The SwiftShader strings below were captured from this project's
 * machines: Debian's Chromium 156, headless, launched with the harness's own
 * flags (targets/browser/launcher.ts), reading WEBGL_debug_renderer_info and
 * navigator.gpu.requestAdapter().info from a localhost page; the e2e test
 * (test/e2e/run-browser.test.ts, "software GPUs are not GPUs") reads them live again. The others are
 * the strings Mesa's llvmpipe and a desktop NVIDIA GPU report through ANGLE.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { softwareAdapter, softwareLabel, softwareRenderer } from '../../harness/core/software-gpu.ts';

/** Chromium 156 headless, no GPU: WebGL's unmasked renderer. */
const SWIFTSHADER_WEBGL = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
/** The same browser: GPUAdapterInfo of navigator.gpu.requestAdapter() (device and description empty). */
const SWIFTSHADER_ADAPTER = { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true };

test('SwiftShader as this machine’s headless Chromium reports it is software, for WebGL and WebGPU', () => {
  assert.equal(softwareRenderer(SWIFTSHADER_WEBGL), 'SwiftShader');
  assert.equal(softwareAdapter(SWIFTSHADER_ADAPTER), 'SwiftShader');
  assert.equal(softwareLabel('renderer', 'SwiftShader'), 'software renderer (SwiftShader)');
});

test('Mesa and Windows software rasterisers are software', () => {
  assert.equal(softwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)'), 'llvmpipe');
  assert.equal(softwareRenderer('ANGLE (Mesa, llvmpipe (LLVM 15.0.6, 256 bits), OpenGL 4.5 (Core Profile) Mesa 22.3.6)'), 'llvmpipe');
  assert.equal(softwareAdapter({ vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }), 'llvmpipe');
  assert.equal(softwareAdapter({ vendor: 'mesa', description: 'lavapipe (Vulkan)' }), 'lavapipe');
  assert.equal(softwareRenderer('ANGLE (Microsoft, Microsoft Basic Render Driver (0x0000008C) Direct3D11 vs_5_0 ps_5_0, D3D11)'), 'Microsoft Basic Render Driver');
});

test('a real GPU is not software', () => {
  assert.equal(softwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002504) Direct3D11 vs_5_0 ps_5_0, D3D11)'), undefined);
  assert.equal(softwareRenderer('ANGLE (Apple, ANGLE Metal Renderer: Apple M1, Unspecified Version)'), undefined);
  assert.equal(softwareAdapter({ vendor: 'nvidia', architecture: 'ampere', device: '', description: '', isFallbackAdapter: false }), undefined);
  assert.equal(softwareRenderer(undefined), undefined);
  assert.equal(softwareAdapter(undefined), undefined);
});

test('an adapter that names nothing known but says it is a fallback adapter is software all the same', () => {
  assert.equal(softwareAdapter({ vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: true }), 'WebGPU fallback adapter');
});
