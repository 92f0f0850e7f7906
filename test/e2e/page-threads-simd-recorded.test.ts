/**
 * Threads and SIMD are decided once, on the host, and the record says what
 * ran: in a real Chromium, the threads and SIMD in each measurement's key are
 * those the page ran (LiteRT.js takes the count as given), and device.extra
 * holds what the runtime reports it used. TF.js's wasm backend may run fewer
 * threads than it is given (its pool is sized from the cores, tfjs#6081: one
 * thread on this 2-core machine however many are asked); the record then
 * shows both, never one claimed as the other.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadLayersModel } from '../../models/model-io.ts';
import { convertLayersModel } from '../../models/tflite/convert.ts';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import type { DiscoveredDevice, JobSpec, Target } from '../../targets/types.ts';
import { artifactFor, jobFor, targetContext, tinyModelFixture, type ModelFixture } from '../helpers/browser-fixture.ts';
import { runJob } from '../helpers/run-job.ts';
import { pageOut } from '../helpers/page-bundle.ts';

let out: string;
let fixture: ModelFixture;
let tflitePath: string;
let target: Target;
let chromium: DiscoveredDevice;

before(async () => {
  out = await pageOut('page-threads-simd');
  fixture = await tinyModelFixture(out);
  const model = await loadLayersModel(fixture.modelJsonPath);
  tflitePath = join(out, 'tiny.tflite');
  await writeFile(tflitePath, await convertLayersModel(model, { variant: 'float32', classNames: fixture.metadata.classNames, normalization: fixture.metadata.normalization }));
  model.dispose();
  target = createBrowserTarget();
  const devices = await target.discover(targetContext(out));
  const found = devices.find((entry) => entry.usable);
  assert.ok(found, `no usable browser: ${JSON.stringify(devices.map((entry) => entry.reason))}`);
  chromium = found;
});

after(() => target?.dispose?.());

/** Keyed as the plan keys it (the target's keyOptions: the one decision), then run. */
async function run(job: JobSpec, config: Parameters<typeof targetContext>[1] = {}) {
  const result = await runJob(target, job, targetContext(out, config));
  assert.ok(result.ok, result.ok ? '' : `${job.runtime}: ${result.failure.phase}: ${result.failure.error.message}`);
  return result.measurement;
}

test('tfjs-wasm and litert-wasm record the threads and SIMD the page used, as decided on the host', { timeout: 180_000 }, async () => {
  const cores = chromium.device.cores!;
  const tfjs = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
  const tflite = await artifactFor(fixture, 'tflite', 'float32', tflitePath);

  const byDefault = await run(jobFor(fixture, tfjs, chromium.device, 'tfjs-wasm'));
  assert.deepEqual(byDefault.key.options, { batch: 1, threads: cores, simd: true }, 'a desktop browser: every core, SIMD where it has it');
  assert.equal(byDefault.device.extra?.threadsDefault, 'every core', 'the rule in the record');
  assert.equal(byDefault.device.extra?.simd, true);
  const tfjsUsed = Number(byDefault.device.extra?.threads);
  assert.ok(tfjsUsed >= 1 && tfjsUsed <= cores, `TF.js reports the threads it used (${tfjsUsed}), at most those given`);

  const asked = await run(jobFor(fixture, tfjs, chromium.device, 'tfjs-wasm', { runtimeOptions: { threads: 1, simd: false } }));
  assert.deepEqual(asked.key.options, { batch: 1, threads: 1, simd: false });

  const litert = await run(jobFor(fixture, tflite, chromium.device, 'litert-wasm', { reference: false }), { run: { threads: 2 } });
  assert.equal(litert.key.options.threads, 2);

  for (const measurement of [asked, litert]) {
    const what = `${measurement.key.runtime} ${JSON.stringify(measurement.key.options)}`;
    assert.equal(measurement.device.extra?.threads, measurement.key.options.threads, `${what}: threads used = threads in the key`);
    assert.equal(measurement.device.extra?.simd, measurement.key.options.simd, `${what}: SIMD used = SIMD in the key`);
  }
});
