/**
 * `bench profile` on a phone's native runtime (`android:tflite-benchmark-model`),
 * through the fake adb in process: the lane asks benchmark_model for
 * `--enable_op_profiling=true` only when profiling, and the profile is the
 * tool's own per-op table of the measured runs (not the initialisation's),
 * with its delegate line as coverage and its parts against the run's p50;
 * the peak probe files then run through the same tool (the peak).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { liteModelPath } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { profileModels } from '../../harness/profile.ts';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { emitVariant, prepareModel } from '../../models/tflite/convert.ts';
import { loadModelToConvert } from '../../models/tflite/load.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { fakeAdb, fakeBenchmarkBinary, PIXEL_7 } from '../fixtures/fake-adb/fake-device.ts';
import { tinyModelFixture } from '../helpers/browser-fixture.ts';
import { tempDir } from '../helpers/tmp.ts';

test('bench profile on a phone: benchmark_model op profiling asked for, parsed and set against the p50', async () => {
  const out = await tempDir('profile-phone');
  const fixture = await tinyModelFixture(out, 3);
  const tflite = liteModelPath(out, fixture.model, 'float32');
  await mkdir(dirname(tflite), { recursive: true });
  await writeFile(tflite, await emitVariant(prepareModel(await loadModelToConvert(fixture.modelJsonPath)), { variant: 'float32', normalization: fixture.metadata.normalization }));
  const adb = await fakeAdb([PIXEL_7]);
  const binary = await fakeBenchmarkBinary(adb.dir);

  const log = memoryLogger();
  const { record } = await profileModels({
    config: parseConfig({ out, android: { tfliteBenchmarkBinary: binary } }),
    log,
    out,
    cwd: process.cwd(),
    models: [fixture.model],
    runtimes: ['android:tflite-benchmark-model'],
    variants: ['float32'],
    cuts: { count: 12 },
    budget: { minSamples: 5, minTimeMs: 100 },
    targets: { android: createAndroidTarget({ adb: inProcessAdb(adb) }) },
  });
  const [tiny] = record.profiles!;
  assert.deepEqual(tiny!.skipped, [], log.lines.join('\n'));
  const [profile] = tiny!.runtimes;
  assert.equal(profile!.runtime, 'tflite-benchmark-model');
  assert.equal(profile!.method, 'benchmark_model');
  assert.match(profile!.device!, /Pixel 7/);
  // The measured runs' table (op-profile-xnnpack.txt), not the initialisation's ModifyGraphWithDelegate/AllocateTensors.
  assert.deepEqual(profile!.rows.map((row) => [row.kind, row.ms]), [['conv', 0.041], ['pool', 0.012], ['dense', 0.006], ['activation', 0.027]]);
  assert.equal(profile!.p50Ms, 0.09, 'the p50 is the same run\'s median');
  assert.ok(Math.abs(profile!.sumMs! - 0.086) < 1e-9);
  assert.ok(Math.abs(profile!.ratio! - 0.086 / 0.09) < 1e-9);
  assert.deepEqual({ accelerated: profile!.coverage!.accelerated, total: profile!.coverage!.total, partitions: profile!.coverage!.partitions }, { accelerated: 3, total: 4, partitions: 1 });

  const commands = (await adb.calls()).filter((args) => args[2] === 'shell' && args[3]!.includes('benchmark_model --graph'));
  assert.equal(commands.length, 3, 'the job, then its two peak probes (the model\'s conv and the representative shape)');
  assert.ok(commands[0]![3]!.includes('--enable_op_profiling=true'), commands[0]![3]);
  for (const probe of commands.slice(1)) assert.match(probe[3]!, /--graph=\S*\/peak-probe-\d-float32-\w+\.tflite --num_threads=\d+ --use_xnnpack=true (?!.*--enable_op_profiling)/);
  // Both probes answer probe-xnnpack.txt (fastest run 1180 µs): the one with more FLOPs, the representative 1×1 convolution, sets the peak.
  assert.match(profile!.peak!.source, /^probe: a 16×16×512 → 512 1×1 convolution, float32 on benchmark_model, fastest 1\.18 ms; best of 2 probes/);
  const representativeFlops = 2 * 256 * 3 * 512 + 2 * 256 * 512 * 512 + 256 * 512;
  assert.ok(Math.abs(profile!.peak!.gflops - representativeFlops / 1.18 / 1e6) < 1e-6, String(profile!.peak!.gflops));
});
