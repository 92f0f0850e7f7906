/**
 * A page job's threads and SIMD are decided once, on the host, from the job,
 * config `run.threads` and the page's capabilities (targets/page/settings.ts);
 * a phone's default is one rule, min(4, cores), for its page and native jobs
 * alike, and the record says where the count came from.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ArtifactInfo } from '../../harness/core/record.ts';
import { chooseThreads, decidePageSettings, pageKeyOptions, PROTOCOL_VERSION, type PageCapabilities } from '../../targets/page/index.ts';
import type { Job } from '../../targets/types.ts';

const CAPS: PageCapabilities = {
  protocol: PROTOCOL_VERSION,
  userAgent: 'test',
  hardwareConcurrency: 8,
  crossOriginIsolated: true,
  sharedArrayBuffer: true,
  wasm: { supported: true, simd: true, relaxedSimd: true, threads: true },
  webgl: { webgl2: true },
  webgpu: { api: false, adapter: false },
};

const ARTIFACT: ArtifactInfo = { id: 'm/tfjs/float32', model: 'm', format: 'tfjs', variant: 'float32', path: '/m/model.json', bytes: 1, gzipBytes: 1, sha256: 'x' };

function job(runtime: string, runtimeOptions: Job['runtimeOptions'] = {}): Job {
  return {
    artifact: ARTIFACT,
    metadata: { model: 'm', inputSize: 32, normalization: { scale: 1, offset: 0 }, classNames: ['a'] } as Job['metadata'],
    evalPackDir: '/m/eval',
    device: { id: 'd', kind: 'browser', name: 'd' },
    runtime,
    kernel: { warmupIterations: 1, minSamples: 5, minTimeMs: 0, maxTimeMs: 1000, batchSize: 1 },
    runtimeOptions,
  };
}

test('thread defaults: every core on a desktop browser, at most 4 on a phone; the job, then run.threads, win', () => {
  assert.deepEqual(chooseThreads(undefined, undefined, 8, 'every-core'), { threads: 8, from: 'every core' });
  assert.deepEqual(chooseThreads(undefined, undefined, 8, 'phone'), { threads: 4, from: 'min(4, cores)' });
  assert.deepEqual(chooseThreads(undefined, undefined, 2, 'phone'), { threads: 2, from: 'min(4, cores)' });
  assert.deepEqual(chooseThreads(undefined, 6, 8, 'phone'), { threads: 6, from: 'run.threads' });
  assert.deepEqual(chooseThreads(3.7, 6, 8, 'phone'), { threads: 3, from: 'job option' });
  assert.deepEqual(chooseThreads(0, undefined, 0, 'every-core'), { threads: 1, from: 'every core' }, 'a browser that reports no cores still gets one thread');
});

test('tfjs-wasm: the decided threads and SIMD go into the job and the key; no threads without threaded wasm; simd: false is kept', () => {
  const rule = { configThreads: undefined, rule: 'phone' as const };
  const decided = decidePageSettings(job('tfjs-wasm'), rule, CAPS);
  assert.deepEqual(decided, { wasm: { threads: 4, simd: true }, threadsFrom: 'min(4, cores)' });
  assert.deepEqual(pageKeyOptions(job('tfjs-wasm'), decided), { batch: 1, threads: 4, simd: true });

  const plain = decidePageSettings(job('tfjs-wasm', { simd: false, threads: 2 }), rule, CAPS);
  assert.deepEqual(plain, { wasm: { threads: 2, simd: false }, threadsFrom: 'job option' });

  const isolatedNot = { ...CAPS, crossOriginIsolated: false, wasm: { ...CAPS.wasm, threads: false } };
  assert.deepEqual(decidePageSettings(job('tfjs-wasm', { threads: 8 }), rule, isolatedNot), { wasm: { threads: 1, simd: true }, threadsFrom: 'no wasm threads in this browser' });
  assert.deepEqual(pageKeyOptions(job('tfjs-wasm', { threads: 8 }), decidePageSettings(job('tfjs-wasm', { threads: 8 }), rule, isolatedNot)), { batch: 1, threads: 1, simd: true }, 'the key names the threads that ran, not those asked');
});

test('litert-wasm: SIMD is relaxed SIMD where the browser has it, and threads need it', () => {
  const rule = { configThreads: undefined, rule: 'every-core' as const };
  assert.deepEqual(decidePageSettings(job('litert-wasm'), rule, CAPS), { wasm: { threads: 8, simd: true }, threadsFrom: 'every core' });
  const noRelaxed = { ...CAPS, wasm: { ...CAPS.wasm, relaxedSimd: false } };
  assert.deepEqual(decidePageSettings(job('litert-wasm'), rule, noRelaxed), { wasm: { threads: 1, simd: false }, threadsFrom: 'no wasm threads in this browser' });
});

test('runtimes without wasm settings get none: their key is the job options alone', () => {
  const decided = decidePageSettings(job('tfjs-webgl', { threads: 2 }), { configThreads: 4, rule: 'every-core' }, CAPS);
  assert.deepEqual(decided, {});
  assert.deepEqual(pageKeyOptions(job('tfjs-webgl', { threads: 2 }), decided), { batch: 1, threads: 2 });
});
