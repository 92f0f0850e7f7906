/**
 * Native TFLite on phones through adb: benchmark_model and the
 * model pushed once per phone, run with the asked threads and delegate, its
 * output turned into a Measurement with the phone's state around the job;
 * phones in parallel, one job at a time on each. The scheduling and pushing
 * test calls the fake adb in process; the delegate and refusal test goes
 * through the fake `adb` process.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Measurement } from '../../harness/core/record.ts';
import { runInLanes } from '../../harness/lanes.ts';
import { createAndroidTarget } from '../../targets/android/index.ts';
import type { JobResult } from '../../targets/types.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { fakeAdbServer, servedAdb, type FakeAdbServer } from '../fixtures/fake-adb/adb-server.ts';
import { androidContext, fakeAdb, fakeBenchmarkBinary, fakeTfliteArtifact, GALAXY_A51, nativeJob, PIXEL_7 } from '../fixtures/fake-adb/fake-device.ts';
import { runJob } from '../helpers/run-job.ts';

/** adb as a process per call, as the harness runs a real one: the fake's client (fake-adb/adb-server.ts). */
let server: FakeAdbServer;
before(async () => {
  server = await fakeAdbServer();
});
after(() => server.close());

function measured(result: JobResult): Measurement {
  assert.ok(result.ok, result.ok ? '' : `job failed: ${result.failure.error.message}`);
  return result.measurement;
}

test('two phones in parallel, one job at a time per phone, files pushed once', async () => {
  const adb = await fakeAdb([
    { ...PIXEL_7, benchmarkDelayMs: 400 },
    { ...GALAXY_A51, benchmarkDelayMs: 400, benchmarkOutput: 'op-profiling-old.txt' },
  ]);
  const binary = await fakeBenchmarkBinary(adb.dir);
  const float32 = await fakeTfliteArtifact(adb.dir, 'float32');
  const int8 = await fakeTfliteArtifact(adb.dir, 'int8');
  const context = androidContext(adb.dir, { android: { tfliteBenchmarkBinary: binary } });
  const target = createAndroidTarget({ adb: inProcessAdb(adb) });
  const devices = await target.discover(context);
  await target.prepare!(context, devices);
  const [pixel, galaxy] = [PIXEL_7, GALAXY_A51].map((phone) => devices.find((found) => found.device.id === phone.serial)!.device);
  // Scheduled by the orchestrator's lanes: one per phone, the two phones at once.
  const jobs = [nativeJob(float32, pixel!), nativeJob(int8, pixel!), nativeJob(float32, galaxy!), nativeJob(int8, galaxy!, { threads: 2 })];
  const results: JobResult[] = [];
  await runInLanes(jobs.map((job, index) => ({ job, index })), ({ job }) => job.device, async ({ job, index }) => {
    results[index] = await runJob(target, job, context);
    return 'next';
  });
  await target.dispose!();
  const [pixelFloat, pixelInt8, galaxyFloat, galaxyInt8] = results.map(measured);

  // Numbers are the tool's (xnnpack-percentiles.txt on the Pixel, op-profiling-old.txt on the Galaxy).
  assert.equal(pixelFloat!.loadMs, 614.333);
  assert.equal(pixelFloat!.firstInferenceMs, 905.463);
  assert.equal(pixelFloat!.latency.p50, 899.281);
  assert.equal(pixelFloat!.latency.samples, 50);
  assert.equal(pixelFloat!.memory.runtimeBytes, Math.round(150.141 * 1024 * 1024));
  assert.equal(pixelFloat!.evaluation, null);
  assert.equal(galaxyFloat!.latency.mean, 2950.34);
  assert.deepEqual(pixelFloat!.key, { model: 'tiny', format: 'tflite', variant: 'float32', target: 'android', device: PIXEL_7.serial, runtime: 'tflite-benchmark-model', options: { threads: 4, delegate: 'xnnpack' } });
  assert.deepEqual(galaxyInt8!.key.options, { threads: 2, delegate: 'xnnpack' });
  assert.equal(pixelInt8!.artifact, 'tiny/tflite/int8');

  // The phone's state around each job, and its facts in the device block.
  assert.equal(pixelFloat!.device.android?.model, 'Pixel 7');
  assert.equal(pixelFloat!.device.android?.battery?.level, 87);
  assert.deepEqual(
    { level: pixelFloat!.deviceState?.before?.batteryLevel, thermal: pixelFloat!.deviceState?.before?.thermalStatus, charging: pixelFloat!.deviceState?.before?.charging },
    { level: 87, thermal: 'none', charging: true },
  );
  assert.equal(pixelFloat!.deviceState?.after?.thermalStatus, 'none');
  assert.equal((galaxyFloat!.deviceState?.before?.maxTemperatureC as Record<string, number>).cpu, 41);
  assert.match(String(pixelFloat!.device.extra?.latencySource), /p50, p95 printed/);

  // Pushed once per phone: the binary and each model; chmod once.
  const calls = await adb.calls();
  for (const phone of [PIXEL_7, GALAXY_A51]) {
    const pushes = calls.filter((args) => args[1] === phone.serial && args[2] === 'push');
    assert.deepEqual(pushes.map((args) => args[4]), [
      '/data/local/tmp/edgebench/benchmark_model',
      `/data/local/tmp/edgebench/tiny-float32-${float32.sha256.slice(0, 12)}.tflite`,
      `/data/local/tmp/edgebench/tiny-int8-${int8.sha256.slice(0, 12)}.tflite`,
    ]);
    assert.equal(await readFile(adb.deviceFile(phone.serial, `/data/local/tmp/edgebench/tiny-int8-${int8.sha256.slice(0, 12)}.tflite`), 'utf8'), 'TFL3 stand-in int8');
  }
  const commands = calls.filter((args) => args[2] === 'shell' && args[3]!.includes('benchmark_model --graph'));
  assert.equal(commands.length, 4);
  const galaxyInt8Command = commands.find((args) => args[1] === GALAXY_A51.serial && args[3]!.includes('int8'))![3]!;
  for (const flag of ['--num_threads=2', '--use_xnnpack=true', '--warmup_runs=1', '--num_runs=5', '--max_secs=5', '--report_peak_memory_footprint=true']) assert.ok(galaxyInt8Command.includes(flag), `${flag} in ${galaxyInt8Command}`);
  assert.ok(galaxyInt8Command.endsWith('2>&1'));

  // One job at a time per phone; the two phones overlap.
  const runs = await adb.runs();
  const on = (serial: string) => runs.filter((run) => run.serial === serial).sort((a, b) => a.start - b.start);
  for (const serial of [PIXEL_7.serial, GALAXY_A51.serial]) {
    const [first, second] = on(serial);
    assert.ok(first!.end <= second!.start, `jobs on ${serial} did not overlap`);
  }
  // Each phone's span, first start to last end (a single pair of runs can miss each other on a loaded machine).
  const span = (serial: string) => ({ start: on(serial)[0]!.start, end: on(serial).at(-1)!.end });
  const [pixelSpan, galaxySpan] = [span(PIXEL_7.serial), span(GALAXY_A51.serial)];
  assert.ok(pixelSpan.start < galaxySpan.end && galaxySpan.start < pixelSpan.end, 'the two phones ran at the same time');
});

test('GPU delegate; and a Mobile artifact or a batch the tool cannot run fails with the reason', async () => {
  const adb = await fakeAdb([PIXEL_7]);
  const binary = await fakeBenchmarkBinary(adb.dir);
  const artifact = await fakeTfliteArtifact(adb.dir);
  const context = androidContext(adb.dir, { android: { tfliteBenchmarkBinary: binary } });
  const target = createAndroidTarget({ adb: servedAdb(adb, server) });
  const [phone] = await target.discover(context);
  const gpu = measured(await runJob(target, nativeJob(artifact, phone!.device, { delegate: 'gpu' }), context));
  assert.deepEqual(gpu.key.options, { delegate: 'gpu', threads: 4 });
  assert.equal(gpu.memory.peakRssBytes, Math.round(74.6641 * 1024 * 1024));
  assert.match(String(gpu.device.extra?.delegate), /TfLiteGpuDelegateV2/);
  const command = (await adb.calls()).find((args) => args[3]?.includes('benchmark_model --graph'))![3]!;
  assert.ok(command.includes('--use_gpu=true') && command.includes('--use_xnnpack=false'));

  const mobile = await runJob(target, { ...nativeJob(artifact, phone!.device), artifact: { ...artifact, format: 'tfjs', id: 'tiny/tfjs/float32' } }, context);
  assert.ok(!mobile.ok && /runs \.tflite artifacts/.test(mobile.failure.error.message));
  const batch = await runJob(target, { ...nativeJob(artifact, phone!.device), kernel: { ...nativeJob(artifact, phone!.device).kernel, batchSize: 4 } }, context);
  assert.ok(!batch.ok && batch.failure.phase === 'setup' && /batch 4/.test(batch.failure.error.message));
  await target.dispose!();
});
