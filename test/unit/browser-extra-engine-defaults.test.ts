/**
 * An extra engine (Firefox, WebKit) runs each path's fastest runtime by
 * default: its other available runtimes become opt-in with a reason the plan
 * prints; Chromium's statuses, unavailable runtimes and runtimes already left
 * out for another reason stay as they are.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineDefaults } from '../../targets/browser/engine-defaults.ts';
import type { RuntimeStatus } from '../../targets/types.ts';

const statuses: RuntimeStatus[] = [
  { runtime: 'tfjs-wasm', format: 'tfjs', available: true },
  { runtime: 'tfjs-webgl', format: 'tfjs', available: true },
  { runtime: 'tfjs-webgpu', format: 'tfjs', available: true, software: 'software renderer (llvmpipe)' },
  { runtime: 'tfjs-cpu', format: 'tfjs', available: true, optIn: 'reference backend' },
  { runtime: 'litert-wasm', format: 'tflite', available: true },
  { runtime: 'litert-webgpu', format: 'tflite', available: false, reason: 'no WebGPU' },
];

test('Firefox and WebKit leave their non-default runtimes opt-in, Chromium none', () => {
  for (const engine of ['firefox', 'webkit'] as const) {
    const decided = engineDefaults(engine, statuses);
    const optIn = Object.fromEntries(decided.map((status) => [status.runtime, status.optIn]));
    assert.match(optIn['tfjs-webgl'] ?? '', /measures each path's fastest runtime by default \(tfjs-wasm, litert-wasm\)/);
    assert.equal(optIn['tfjs-wasm'], undefined);
    assert.deepEqual(decided.find((status) => status.runtime === 'litert-wasm')?.defaultVariants?.variants, ['float32']);
    assert.equal(optIn['litert-wasm'], undefined);
    assert.equal(optIn['tfjs-cpu'], 'reference backend');
    assert.equal(optIn['tfjs-webgpu'], undefined, 'a software GPU keeps its own reason');
    assert.equal(optIn['litert-webgpu'], undefined, 'an unavailable runtime is not opt-in');
  }
  assert.deepEqual(engineDefaults('chromium', statuses), statuses);
});

test('WebKit on Xvfb: its GPU runtimes are software, whatever renderer it names', () => {
  const decided = engineDefaults('webkit', statuses, { software: 'software rendering on Xvfb' });
  assert.equal(decided.find((status) => status.runtime === 'tfjs-webgl')?.software, 'software rendering on Xvfb');
  assert.equal(decided.find((status) => status.runtime === 'tfjs-webgl')?.optIn, undefined, 'left out as software, one reason');
  assert.equal(decided.find((status) => status.runtime === 'tfjs-webgpu')?.software, 'software renderer (llvmpipe)', 'a reason already given stays');
  assert.equal(decided.find((status) => status.runtime === 'tfjs-wasm')?.software, undefined);
});
