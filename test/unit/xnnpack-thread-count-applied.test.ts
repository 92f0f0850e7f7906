/**
 * tflite-node's XNNPACK delegate runs with the thread count the job asks for.
 * tfjs-tflite-node 0.0.2 hands the plugin dangling option keys, so the count
 * used to be lost and XNNPACK ran on one thread whatever was asked; the
 * plugin now reads it from the environment and says what it applied (the
 * delegate's thread pool exists only when it runs on more than one thread).
 * Proven on the real binding: the count read back, and the pool's worker
 * threads appearing in this process when the interpreter is built.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { emitVariant, prepareModel } from '../../models/tflite/index.ts';
import { openTfliteSession, xnnpackPlugin } from '../../targets/node/tflite.ts';

const linux = process.platform === 'linux';

/**
 * Why the XNNPACK tests cannot run here (undefined where the plugin builds). Asked in each test, not
 * by a top-level await: test/run-unit.js runs this file as one suite of a shared process, and a test
 * registered after a top-level await would not belong to it.
 */
async function noPlugin(): Promise<string | undefined> {
  const plugin = await xnnpackPlugin();
  return 'path' in plugin ? undefined : `no XNNPACK plugin here: ${'reason' in plugin ? plugin.reason : ''}`;
}

async function denseFile(): Promise<Uint8Array> {
  await tf.setBackend('cpu');
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, kernelInitializer: tf.initializers.randomNormal({ seed: 5 }) })] });
  return emitVariant(prepareModel(model), { variant: 'float32', normalization: { scale: 1, offset: 0 } });
}

const tasks = (): number => readdirSync('/proc/self/task').length;

test('a 3-thread session runs XNNPACK on 3 threads: the count is applied and its pool starts 2 workers', async (t) => {
  const missing = await noPlugin();
  if (missing) return t.skip(missing);
  const bytes = await denseFile();
  const before = linux ? tasks() : 0;
  const session = await openTfliteSession({ bytes, normalization: { scale: 1, offset: 0 }, threads: 3, batchSize: 1 });
  try {
    assert.equal(session.xnnpack, true);
    assert.equal(session.xnnpackThreads, 3);
    // pthreadpool starts threads − 1 workers (the caller is the third) when the delegate is created.
    if (linux) assert.ok(tasks() - before >= 2, `expected XNNPACK's 2 pool workers, saw ${tasks() - before} new threads`);
    assert.equal((await session.run(Uint8Array.of(1, 2, 3, 4), 1)).length, 3);
    assert.deepEqual((await session.deviceFacts!()).extra, { xnnpack: true, xnnpackThreads: 3 });
  } finally {
    await session.dispose();
  }
});

test('a 1-thread session runs XNNPACK without a pool, and the environment is left as it was', async (t) => {
  const missing = await noPlugin();
  if (missing) return t.skip(missing);
  const bytes = await denseFile();
  const session = await openTfliteSession({ bytes, normalization: { scale: 1, offset: 0 }, threads: 1, batchSize: 1 });
  assert.equal(session.xnnpackThreads, 1);
  assert.equal(process.env.EDGEBENCH_XNNPACK_THREADS, undefined);
  assert.equal(process.env.EDGEBENCH_XNNPACK_APPLIED_THREADS, undefined);
  await session.dispose();
});

test('without the delegate no XNNPACK thread count is claimed', async () => {
  const bytes = await denseFile();
  const session = await openTfliteSession({ bytes, normalization: { scale: 1, offset: 0 }, threads: 2, batchSize: 1, xnnpack: false });
  assert.equal(session.xnnpack, false);
  assert.equal(session.xnnpackThreads, undefined);
  assert.deepEqual((await session.deviceFacts!()).extra, { xnnpack: false });
  await session.dispose();
});
