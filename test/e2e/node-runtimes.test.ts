/**
 * The Node runtimes: which are available here and why the others are not,
 * and the TF.js session (normalisation, read-back, no tensor left behind).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readEvalPack } from '../../harness/core/eval-pack.ts';
import { evalPackDir } from '../../harness/core/layout.ts';
import { loadLayersModel } from '../../models/model-io.ts';
import { lazyRuntime, runtimes } from '../../targets/node/runtimes.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';

const require = createRequire(import.meta.url);
const installed = (name: string) => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
};
const byName = (name: string) => runtimes.find((runtime) => runtime.name === name)!;

test('the runtime list: five TF.js backends and tflite-node', () => {
  assert.deepEqual(
    runtimes.map((runtime) => [runtime.name, runtime.format]),
    [
      ['tfjs-tensorflow', 'tfjs'],
      ['tfjs-tensorflow-gpu', 'tfjs'],
      ['tfjs-webgpu', 'tfjs'],
      ['tfjs-wasm', 'tfjs'],
      ['tfjs-cpu', 'tfjs'],
      ['tflite-node', 'tflite'],
    ],
  );
});

test('the tfjs-node packages and webgpu (Dawn) are optional dependencies, so npm ci succeeds where they cannot install', () => {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { optionalDependencies?: Record<string, string>; dependencies?: Record<string, string> };
  for (const name of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu']) {
    assert.ok(manifest.optionalDependencies?.[name], `${name} in optionalDependencies`);
    assert.equal(manifest.dependencies?.[name], undefined, `${name} not in dependencies`);
  }
});

test('tfjs-tensorflow and tfjs-tensorflow-gpu: unavailable with an actionable reason where not installed', { skip: installed('@tensorflow/tfjs-node') && installed('@tensorflow/tfjs-node-gpu') }, async () => {
  if (!installed('@tensorflow/tfjs-node')) {
    const probe = await byName('tfjs-tensorflow').probe();
    assert.equal(probe.available, false);
    assert.match(probe.reason!, /^not installed: @tensorflow\/tfjs-node is an optional dependency/);
    assert.match(probe.reason!, /npm install @tensorflow\/tfjs-node/);
  }
  if (!installed('@tensorflow/tfjs-node-gpu')) {
    const probe = await byName('tfjs-tensorflow-gpu').probe();
    assert.equal(probe.available, false);
    assert.match(probe.reason!, /not installed/);
    assert.match(probe.reason!, /CUDA 11\.2 and cuDNN 8\.1/);
  }
});

test('tfjs-wasm and tfjs-cpu are available, with the TF.js version', async () => {
  for (const name of ['tfjs-wasm', 'tfjs-cpu']) {
    const probe = await byName(name).probe();
    assert.equal(probe.available, true, `${name}: ${probe.reason}`);
    assert.equal(probe.details?.tfjs, tf.version.tfjs);
  }
  assert.equal((await byName('tfjs-wasm').probe()).details?.simd, 'true');
});

test('tflite-node reports a status either way: its versions when it loads, why when it does not', async () => {
  const probe = await byName('tflite-node').probe();
  if (probe.available) {
    assert.match(String(probe.details?.tflite), /^2\.\d+\.\d+ \(tfjs-tflite-node \d+\.\d+\.\d+\)$/);
    assert.match(String(probe.details?.xnnpack), /^(on|off: .+)/);
    assert.match(String(probe.details?.threads), /^default \d+ \(cores\)$/);
  } else {
    // A dependency, so npm ci installs it: only its native addon can fail (a machine without a build toolchain).
    assert.ok(installed('tfjs-tflite-node'), probe.reason);
    assert.match(probe.reason!, /^failed to load tfjs-tflite-node \(its native addon builds at install with node-gyp\): \S/);
  }
});

test('a lazily imported runtime: a missing module is "not built yet", a throwing one "failed to load"', async () => {
  const missing = lazyRuntime('x', 'tflite', async () => (await import(String('./no-such-runtime.ts'))).runtime);
  const missingProbe = await missing.probe();
  assert.equal(missingProbe.available, false);
  assert.match(missingProbe.reason!, /^not built yet/);
  const throwing = lazyRuntime('y', 'tflite', async () => {
    throw new Error('libtensorflowlite_c.so: cannot open shared object file');
  });
  assert.deepEqual(await throwing.probe(), { available: false, reason: 'failed to load: libtensorflowlite_c.so: cannot open shared object file' });
});

test('a TF.js session returns what the model predicts on normalised pixels, and disposes every tensor', async () => {
  const out = mkdtempSync(join(tmpdir(), 'edgebench-runtime-'));
  try {
    const tiny = await makeTinyArtifact(out, { images: 4 });
    const pack = await readEvalPack(evalPackDir(out, 'tiny'));
    const cpu = byName('tfjs-cpu');
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const session = await cpu.open({ artifactPath: tiny.modelJsonPath, metadata: tiny.metadata, threads: 1, batchSize: 2 });
    const loaded = tf.memory().numTensors;
    const pixels = pack.images.subarray(0, 2 * 32 * 32 * 3);
    const output = await session.run(pixels, 2);
    assert.ok(output instanceof Float32Array);
    assert.equal(output.length, 6);
    for (let run = 0; run < 3; run += 1) await session.run(pixels, 2);
    assert.equal(tf.memory().numTensors, loaded, 'no tensor left behind by run()');
    assert.deepEqual(session.memory?.(), { bytes: tf.memory().numBytes, tensors: loaded });

    const model = await loadLayersModel(tiny.modelJsonPath);
    const expected = tf.tidy(() => model.predict(tf.tensor4d(pixels, [2, 32, 32, 3], 'float32').div(255)) as tf.Tensor);
    const expectedValues = await expected.data();
    expected.dispose();
    model.dispose();
    for (let index = 0; index < 6; index += 1) assert.ok(Math.abs(output[index]! - expectedValues[index]!) < 1e-6, `output ${index}`);

    await session.dispose();
    assert.equal(tf.memory().numTensors, before, 'dispose frees the model');
    await assert.rejects(session.run(pixels, 3), /expected 3 images of 32×32×3 bytes/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
