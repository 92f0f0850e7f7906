/**
 * Runtime download sizes: what each browser runtime costs a web app, and the
 * private cache that keeps them between runs. One file (one test process,
 * ~1.5 s of startup each) for what were two, each behaviour its own describe
 * block with its own setup, named after it, its comment saying what it
 * checks. The cache's block sets XDG_CACHE_HOME while it runs, so it comes last.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { litertWasmDir, tfjsWasmDir } from '../../targets/page/assets.ts';
import { PAGE_RUNTIMES, runtimeSizes } from '../../targets/page/index.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * What a web app downloads per browser runtime: a minified JS bundle of the
 * runtime plus the wasm files it fetches, raw and gzip, file by file.
 * Measured here with the cache off (runtime-sizes-kept-between-runs.test.ts
 * checks the cache).
 */
/** tfjs-cpu's total bytes as measured with every runtime (the first block), for the second's runtime measured alone. */
let tfjsCpuWithAll: number | undefined;

describe('what a web app downloads per browser runtime', () => {
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
    // One runtime asked for, measured alone, is the next block's first measurement (a bundle each is seconds of esbuild).
    tfjsCpuWithAll = byRuntime.get('tfjs-cpu')!.bytes;
  });
});

/**
 * A runtime's download size is measured once and kept in the private cache
 * (targets/page/sizes-cache.ts): a later run is served the kept entry while
 * every file the measurement read is unchanged, and measures again when one
 * has changed.
 */
describe("a runtime's size is measured once and kept", () => {
  let cacheHome: string;
  const saved = process.env.XDG_CACHE_HOME;
  before(async () => {
    cacheHome = await tempDir('runtime-sizes-cache');
    process.env.XDG_CACHE_HOME = cacheHome;
  });
  after(async () => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    await rm(cacheHome, { recursive: true, force: true });
  });

  interface Entry {
    size: { bytes: number };
    inputs: Record<string, [number, number]>;
  }

  test('kept while its inputs are unchanged, measured again when one changes', async () => {
    const only = await runtimeSizes({ runtimes: ['tfjs-cpu'], cache: false });
    assert.deepEqual(only.map((size) => size.runtime), ['tfjs-cpu'], 'the runtime asked for, alone');
    const [fresh] = only;
    if (tfjsCpuWithAll !== undefined) assert.equal(fresh!.bytes, tfjsCpuWithAll, 'the same bundle alone as with every runtime');
    const [first] = await runtimeSizes({ runtimes: ['tfjs-cpu'] });
    // Two bundles of one runtime: the same bundle every time.
    assert.deepEqual(first, fresh, 'the first run measures, as without the cache');

    const folder = join(cacheHome, 'edgebench', 'runtime-sizes');
    const files = readdirSync(folder).filter((name) => name.endsWith('.json'));
    assert.equal(files.length, 1, 'one entry for one runtime');
    const path = join(folder, files[0]!);
    const entry = JSON.parse(readFileSync(path, 'utf8')) as Entry;
    const inputs = Object.keys(entry.inputs);
    assert.ok(inputs.some((input) => input.includes(join('@tensorflow', 'tfjs-backend-cpu'))), 'the bundled sources are its inputs');

    // A marked entry shows where the answer comes from: served while the inputs are as recorded.
    writeFileSync(path, JSON.stringify({ ...entry, size: { ...entry.size, bytes: 1 } }));
    const [kept] = await runtimeSizes({ runtimes: ['tfjs-cpu'] });
    assert.equal(kept!.bytes, 1, 'served from the cache');

    // One input recorded with another modification time, as after an upgrade: measured again.
    const [input] = inputs;
    const stale = { ...entry, size: { ...entry.size, bytes: 1 }, inputs: { ...entry.inputs, [input!]: [entry.inputs[input!]![0], 0] } };
    writeFileSync(path, JSON.stringify(stale));
    const [again] = await runtimeSizes({ runtimes: ['tfjs-cpu'] });
    assert.deepEqual(again, fresh);
    assert.equal((JSON.parse(readFileSync(path, 'utf8')) as Entry).size.bytes, fresh!.bytes, 'the new measurement replaced the entry');

    // An entry that does not parse is measured over, not an error.
    writeFileSync(path, '{ not json');
    assert.deepEqual((await runtimeSizes({ runtimes: ['tfjs-cpu'] }))[0], fresh);
  });
});
