/**
 * An A/B of TFLite's benchmark_model on a phone (the fake adb, called in
 * this process): the tool loads one model per process, so its runs
 * alternate A B B A across process pairs, each run a plain native job with
 * the cool-down and the phone's state around it; each pair of runs gives
 * one A and one B median. A B that fails while A ran is named as side B,
 * and nothing runs after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createAndroidTarget } from '../../targets/android/index.ts';
import { keyedJob } from '../../targets/result.ts';
import { inProcessAdb } from '../fixtures/fake-adb/in-process-adb.ts';
import { androidContext, fakeAdb, fakeBenchmarkBinary, fakeTfliteArtifact, nativeJob, PIXEL_7 } from '../fixtures/fake-adb/fake-device.ts';

async function setUp() {
  const adb = await fakeAdb([PIXEL_7]);
  const binary = await fakeBenchmarkBinary(adb.dir);
  const context = androidContext(adb.dir, { android: { tfliteBenchmarkBinary: binary, cooldown: { enabled: true, maxWaitMs: 1000 } } });
  const target = createAndroidTarget({ adb: inProcessAdb(adb), cooldownPollMs: 1 });
  const devices = await target.discover(context);
  await target.prepare!(context, devices);
  const phone = devices[0]!.device;
  const job = async (variant: 'float32' | 'int8', path?: string) => {
    const artifact = await fakeTfliteArtifact(adb.dir, variant);
    return keyedJob(target, nativeJob(path ? { ...artifact, path } : artifact, phone), context.config);
  };
  /** The model each benchmark_model run was given, in order. */
  const graphs = async () => (await adb.calls()).flatMap((args) => args.flatMap((arg) => /--graph=\S*\/tiny-(\w+)-/.exec(arg)?.[1] ?? []));
  return { adb, context, target, job, graphs };
}

test('A B B A runs of the tool, one median per side per process pair, the cool-down and state around each run', async () => {
  const { context, target, job, graphs } = await setUp();
  try {
    const a = await job('float32');
    const b = await job('int8');
    const result = await target.runPair!({ a, b, processes: 4, seed: 1 }, context);
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal(result.design, 'alternating processes');
    // A is float32, B int8: the process pairs start A, B, B, A (kernel/paired.ts abbaFirst), two runs each.
    assert.deepEqual(await graphs(), ['float32', 'int8', 'int8', 'float32', 'int8', 'float32', 'float32', 'int8']);
    // xnnpack-percentiles.txt's p50 on both sides: one value each per process pair.
    assert.deepEqual(result.processes, Array.from({ length: 4 }, () => ({ a: [899.281], b: [899.281] })));
    const states = result.deviceStates ?? [];
    assert.deepEqual(states.map((state) => state.side), ['a', 'b', 'b', 'a', 'b', 'a', 'a', 'b']);
    assert.ok(states.every((state) => state.before?.batteryLevel === 87 && state.after?.thermalStatus === 'none'), JSON.stringify(states[0]));
    // The cool-down runs before every run but the phone's first, as for plain jobs.
    assert.deepEqual(states.map((state) => state.before?.cooldownMs !== undefined), [false, true, true, true, true, true, true, true]);
  } finally {
    await target.dispose!();
  }
});

test("B's model cannot be pushed while A ran: side B named, nothing after it", async () => {
  const { adb, context, target, job, graphs } = await setUp();
  try {
    const a = await job('float32');
    const b = await job('int8', join(adb.dir, 'no-such.tflite'));
    const result = await target.runPair!({ a, b, processes: 4, seed: 1 }, context);
    assert.ok(!result.ok);
    assert.deepEqual([result.side, result.phase], ['b', 'setup'], result.error.message);
    assert.deepEqual(await graphs(), ['float32'], 'A ran once, then B failed and the key stopped');
  } finally {
    await target.dispose!();
  }
});
