/**
 * A page job's threads and SIMD are decided once, on the host, from the job,
 * config `run.threads` and the page's capabilities (targets/page/settings.ts);
 * a phone's default is one rule, min(4, cores), for its page and native jobs
 * alike. The job flow reads the decision back from the key and refuses a
 * browser that cannot run it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ArtifactInfo } from '../../harness/core/record.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { phonePageKeyOptions } from '../../targets/android/page-job.ts';
import { nativeKeyOptions } from '../../targets/android/native-job.ts';
import { chooseThreads, decideWasmSettings, keyedWasmSettings, pageKeyOptions, PROTOCOL_VERSION, settingsProblem, type PageCapabilities } from '../../targets/page/index.ts';
import { keyedJob } from '../../targets/result.ts';
import type { JobSpec } from '../../targets/types.ts';

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

function job(runtime: string, runtimeOptions: JobSpec['runtimeOptions'] = {}, cores?: number): JobSpec {
  return {
    artifact: ARTIFACT,
    metadata: { model: 'm', inputSize: 32, normalization: { scale: 1, offset: 0 }, classNames: ['a'] } as JobSpec['metadata'],
    evalPackDir: '/m/eval',
    device: { id: 'd', kind: 'browser', name: 'd', ...(cores ? { cores } : {}) },
    runtime,
    kernel: { warmupIterations: 1, minSamples: 5, minTimeMs: 0, maxTimeMs: 1000, batchSize: 1 },
    runtimeOptions,
  };
}

test('thread defaults: every core on a desktop browser, at most 4 on a phone; the job, then run.threads, win', () => {
  assert.equal(chooseThreads(undefined, undefined, 8, 'every-core'), 8);
  assert.equal(chooseThreads(undefined, undefined, 8, 'phone'), 4);
  assert.equal(chooseThreads(undefined, undefined, 2, 'phone'), 2);
  assert.equal(chooseThreads(undefined, 6, 8, 'phone'), 6);
  assert.equal(chooseThreads(3.7, 6, 8, 'phone'), 3);
  assert.equal(chooseThreads(0, undefined, 0, 'every-core'), 1, 'a browser that reports no cores still gets one thread');
});

test("a phone's page and native jobs take the same default: min(4, cores)", () => {
  const config = parseConfig({ out: '/tmp/unused' });
  const phone = (runtime: string) => ({ ...job(runtime, {}, 8), device: { id: 'p', kind: 'android' as const, name: 'p', cores: 8 } });
  assert.equal(phonePageKeyOptions(phone('tfjs-wasm'), config).threads, 4);
  assert.equal(phonePageKeyOptions(phone('litert-wasm'), config).threads, 4);
  assert.equal(nativeKeyOptions(phone('tflite-benchmark-model'), config).threads, 4);
  const two = parseConfig({ out: '/tmp/unused', run: { threads: 2 } });
  assert.equal(phonePageKeyOptions(phone('tfjs-wasm'), two).threads, 2);
  assert.equal(nativeKeyOptions(phone('tflite-benchmark-model'), two).threads, 2);
});

test('tfjs-wasm: the decided threads and SIMD are the key; no threads without threaded wasm; simd: false is kept', () => {
  const rule = { configThreads: undefined, rule: 'phone' as const };
  const decided = decideWasmSettings(job('tfjs-wasm'), rule, CAPS);
  assert.deepEqual(decided, { threads: 4, simd: true });
  assert.deepEqual(pageKeyOptions(job('tfjs-wasm'), decided), { batch: 1, threads: 4, simd: true });
  assert.deepEqual(decideWasmSettings(job('tfjs-wasm', { simd: false, threads: 2 }), rule, CAPS), { threads: 2, simd: false });

  const notIsolated = { ...CAPS, crossOriginIsolated: false, wasm: { ...CAPS.wasm, threads: false } };
  const single = decideWasmSettings(job('tfjs-wasm', { threads: 8 }), rule, notIsolated);
  assert.deepEqual(pageKeyOptions(job('tfjs-wasm', { threads: 8 }), single), { batch: 1, threads: 1, simd: true }, 'the key names the threads that will run, not those asked');
});

test('litert-wasm: SIMD is relaxed SIMD where the browser has it, and threads need it', () => {
  const rule = { configThreads: undefined, rule: 'every-core' as const };
  assert.deepEqual(decideWasmSettings(job('litert-wasm'), rule, CAPS), { threads: 8, simd: true });
  const noRelaxed = { ...CAPS, wasm: { ...CAPS.wasm, relaxedSimd: false } };
  assert.deepEqual(decideWasmSettings(job('litert-wasm'), rule, noRelaxed), { threads: 1, simd: false });
});

test('runtimes without wasm settings get none: their key is the job options alone', () => {
  const decided = decideWasmSettings(job('tfjs-webgl', { threads: 2 }), { configThreads: 4, rule: 'every-core' }, CAPS);
  assert.equal(decided, undefined);
  assert.deepEqual(pageKeyOptions(job('tfjs-webgl', { threads: 2 }), decided), { batch: 1, threads: 2 });
});

test('at run time the settings are read back from the key, and a browser that cannot run them is named', () => {
  const keyed = keyedJob({ kind: 'browser', keyOptions: (spec) => pageKeyOptions(spec, { threads: 4, simd: true }) }, job('litert-wasm'), parseConfig({ out: '/tmp/unused' }));
  assert.deepEqual(keyedWasmSettings(keyed), { threads: 4, simd: true });
  assert.throws(() => keyedWasmSettings({ ...keyed, key: { ...keyed.key, options: { batch: 1 } } }), /no decided threads and SIMD/);
  assert.equal(settingsProblem('litert-wasm', { threads: 4, simd: true }, CAPS), undefined);
  assert.match(settingsProblem('litert-wasm', { threads: 4, simd: true }, { ...CAPS, wasm: { ...CAPS.wasm, threads: false } }) ?? '', /4 threads were decided for litert-wasm, but this browser has no threaded wasm/);
  assert.match(settingsProblem('tfjs-wasm', { threads: 1, simd: true }, { ...CAPS, wasm: { ...CAPS.wasm, simd: false } }) ?? '', /simd: false/);
});
