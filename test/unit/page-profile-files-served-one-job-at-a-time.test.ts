/**
 * A profiled LiteRT.js job's prefix models are served from memory, and only
 * the latest job's: publishing the next job's lets the previous ones go (a
 * large model's prefixes take hundreds of MB), and nothing reaches the disk.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { preparePageJob } from '../../targets/page/page-server.ts';
import { startStaticServer } from '../../targets/page/server.ts';
import type { JobSpec } from '../../targets/types.ts';
import { tempDir } from '../helpers/tmp.ts';

test('prefix files: served while their job runs, let go when the next job is published', async (t) => {
  const dir = await tempDir('profile-files');
  await mkdir(join(dir, 'pack'));
  await writeFile(join(dir, 'model.tflite'), 'TFL3');
  const server = await startStaticServer();
  t.after(() => server.close());
  const spec = (bytes: string[]) =>
    ({
      artifact: { id: 'm/tflite/float32', model: 'm', format: 'tflite', variant: 'float32', path: join(dir, 'model.tflite'), bytes: 4, gzipBytes: 4, sha256: 'a'.repeat(64) },
      metadata: { model: 'm', inputSize: 16, normalization: { scale: 1, offset: 0 }, classNames: ['a'] },
      evalPackDir: join(dir, 'pack'),
      device: { id: 'chromium', kind: 'browser', name: 'Chromium' },
      runtime: 'litert-wasm',
      kernel: { warmupIterations: 1, minSamples: 1, minTimeMs: 0, maxTimeMs: 1000, batchSize: 1 },
      runtimeOptions: {},
      profile: { method: 'prefix-attribution', files: bytes.map((text) => new TextEncoder().encode(text)), budget: { minSamples: 1, minTimeMs: 0 }, probes: ['probe a', 'probe b'].map((text) => ({ file: new TextEncoder().encode(text), side: 16, flops: 1, description: 'p' })) },
    }) as unknown as JobSpec;
  const get = async (path: string) => {
    const response = await fetch(`${server.origin}${path}`);
    return response.ok ? await response.text() : response.status;
  };

  const first = await preparePageJob(server, spec(['prefix one', 'whole one']), { id: 'job-1', wasm: { threads: 1, simd: true } });
  assert.equal(first.profile?.method, 'prefix-attribution');
  const firstUrls = first.profile!.method === 'prefix-attribution' ? [...first.profile!.urls, ...first.profile!.probes!.map((probe) => probe.url)] : [];
  assert.deepEqual(await Promise.all(firstUrls.map(get)), ['prefix one', 'whole one', 'probe a', 'probe b']);

  const second = await preparePageJob(server, spec(['prefix two', 'whole two']), { id: 'job-2', wasm: { threads: 1, simd: true } });
  const secondUrls = second.profile!.method === 'prefix-attribution' ? second.profile!.urls : [];
  assert.deepEqual(await Promise.all(secondUrls.map(get)), ['prefix two', 'whole two']);
  assert.deepEqual(await Promise.all(firstUrls.map(get)), [404, 404, 404, 404], 'the first job\'s files are no longer served');
  assert.deepEqual(await readdir(dir), ['model.tflite', 'pack'], 'nothing written beside the model');
});
