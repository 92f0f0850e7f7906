/**
 * What a web app downloads per browser runtime: a minified JS bundle of the
 * runtime plus the wasm files it fetches, raw and gzip, file by file.
 * Measured here with the cache off (runtime-sizes-kept-between-runs.test.ts
 * checks the cache).
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { litertWasmDir, tfjsWasmDir } from '../../targets/page/assets.ts';
import { PAGE_RUNTIMES, runtimeSizes } from '../../targets/page/index.ts';

test('runtime download sizes', async () => {
  const sizes = await runtimeSizes({ cache: false });
  assert.deepEqual(sizes.map((size) => size.runtime), [...PAGE_RUNTIMES]);
  const byRuntime = new Map(sizes.map((size) => [size.runtime, size]));

  for (const size of sizes) {
    assert.equal(size.bytes, size.files.reduce((total, file) => total + file.bytes, 0), `${size.runtime}: total of its files`);
    assert.equal(size.gzipBytes, size.files.reduce((total, file) => total + file.gzipBytes, 0));
    for (const file of size.files) assert.ok(file.gzipBytes > 0 && file.gzipBytes < file.bytes, `${size.runtime} ${file.path}: gzip smaller than raw`);
    const bundle = size.files[0]!;
    assert.equal(bundle.path, `${size.runtime}.bundle.js`);
  }

  // The JS bundles hold what the runtime needs: TF.js core + layers (hundreds of kB), LiteRT.js's thin wrapper (tens).
  for (const runtime of ['tfjs-wasm', 'tfjs-webgl', 'tfjs-webgpu', 'tfjs-cpu'] as const) {
    const js = byRuntime.get(runtime)!.files[0]!.bytes;
    assert.ok(js > 300_000 && js < 3_000_000, `${runtime} bundle ${js} bytes`);
  }
  assert.ok(byRuntime.get('litert-wasm')!.files[0]!.bytes < 200_000);

  // Wasm files are counted at their real size.
  const tfjsWasm = byRuntime.get('tfjs-wasm')!.files.find((file) => file.path.endsWith('.wasm'))!;
  assert.equal(tfjsWasm.bytes, (await stat(join(tfjsWasmDir(), 'tfjs-backend-wasm-threaded-simd.wasm'))).size);
  const litert = byRuntime.get('litert-wasm')!;
  assert.deepEqual(litert.files.map((file) => file.path).slice(1), ['litert_wasm_threaded_internal.js', 'litert_wasm_threaded_internal.wasm']);
  assert.equal(litert.files[2]!.bytes, (await stat(join(litertWasmDir(), 'litert_wasm_threaded_internal.wasm'))).size);
  assert.equal(byRuntime.get('tfjs-webgl')!.files.length, 1, 'webgl needs no wasm');

  const only = await runtimeSizes({ runtimes: ['tfjs-cpu'], cache: false });
  assert.deepEqual(only.map((size) => size.runtime), ['tfjs-cpu']);
  assert.equal(only[0]!.bytes, byRuntime.get('tfjs-cpu')!.bytes, 'the same bundle every time');
});
