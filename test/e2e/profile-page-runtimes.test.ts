/**
 * `bench profile` on page runtimes, in a real Chromium, on the tiny fixture
 * model: tfjs-wasm's tf.profile rows come back from the page as the model's
 * layers (attributed by the module Node uses), and litert-wasm's prefix
 * models, served to the page from memory, come back timed and attributed as
 * one block per layer; both beside the page's own p50, each with its
 * runtime's peak probed in the page.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { liteModelPath } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { profileModels } from '../../harness/profile.ts';
import { emitVariant, prepareModel } from '../../models/tflite/convert.ts';
import { loadModelToConvert } from '../../models/tflite/load.ts';
import { tinyModelFixture } from '../helpers/browser-fixture.ts';
import { pageOut } from '../helpers/page-bundle.ts';

const CHROMIUM = '/usr/bin/chromium';

test('bench profile in Chromium: tf.profile by layer on tfjs-wasm, prefix attribution on litert-wasm', { skip: existsSync(CHROMIUM) ? false : `needs ${CHROMIUM}` }, async () => {
  const out = await pageOut('profile-page');
  const fixture = await tinyModelFixture(out, 3);
  const tflite = liteModelPath(out, fixture.model, 'float32');
  await mkdir(dirname(tflite), { recursive: true });
  await writeFile(tflite, await emitVariant(prepareModel(await loadModelToConvert(fixture.modelJsonPath)), { variant: 'float32', normalization: fixture.metadata.normalization }));

  const log = memoryLogger();
  const { record } = await profileModels({
    config: parseConfig({ out, browser: { browsers: [CHROMIUM] } }),
    log,
    out,
    cwd: process.cwd(),
    models: [fixture.model],
    runtimes: ['browser:tfjs-wasm', 'browser:litert-wasm'],
    variants: ['float32'],
    cuts: { count: 12 },
    budget: { minSamples: 3, minTimeMs: 20 },
  });
  const [tiny] = record.profiles!;
  assert.deepEqual(tiny!.skipped, [], log.lines.join('\n'));

  const wasm = tiny!.runtimes.find((entry) => entry.runtime === 'tfjs-wasm')!;
  assert.equal(wasm.method, 'tf.profile');
  assert.match(wasm.device!, /Chromium/i);
  assert.equal(wasm.timed, true, 'wasm times its kernels synchronously in the page too');
  assert.deepEqual(wasm.rows.filter((row) => !row.name.startsWith('(')).map((row) => row.kind), ['conv', 'pool', 'dense'], 'kernels attributed to the layers that ran them');
  assert.ok(wasm.rows.find((row) => row.kind === 'conv')!.flops! > 0, 'rows carry the FLOPs the host counted');
  assert.ok(wasm.sumMs! > 0 && wasm.p50Ms > 0 && wasm.ratio! > 0);
  // The matMul, the representative 1×1 shape and the model's own conv are probed; this tiny model's conv takes
  // microseconds, below the page's clock (Chromium coarsens performance.now() to 100 µs in a page that is not
  // cross-origin isolated), so its fastest time can read 0 and it is left out of the best rate rather than rated infinite.
  assert.match(wasm.peak!.source, /^probe: .* on wasm, fastest [\d.]+ ms; best of [23] probes/, 'the page probed its own backend\'s peak');
  assert.match(wasm.peak!.source, /512×512 float32 matMul on wasm/);
  assert.match(wasm.peak!.source, /16×16×512 → 512 1×1 convolution on wasm/);
  assert.ok(wasm.peak!.gflops > 0);

  const litert = tiny!.runtimes.find((entry) => entry.runtime === 'litert-wasm')!;
  assert.equal(litert.method, 'prefix-attribution');
  assert.equal(litert.variant, 'float32');
  assert.equal(litert.rows.length, 3, 'the conv, the pool and the dense layer are blocks of their own');
  assert.ok(litert.rows.every((row) => Number.isFinite(row.ms)));
  assert.ok(litert.p50Ms > 0 && litert.ratio !== null);
  assert.match(litert.peak!.source, /^probe: a .*convolution.*, float32, fastest [\d.]+ ms; best of 2 probes/, 'the probe files (the model\'s conv and the representative shape) ran on LiteRT.js in the page');
  assert.ok(litert.peak!.gflops > 0);
});
