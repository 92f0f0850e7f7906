/**
 * The page bundle: built once with esbuild, reused while its inputs are
 * unchanged, rebuilt when any of them changes; the real page builds for the
 * browser with no Node built-ins.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as esbuild from 'esbuild';
import { PAGE_SOURCE_DIR } from '../../targets/page/assets.ts';
import { buildPageBundle, PAGE_SCRIPT } from '../../targets/page/bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

test('page bundle cache', async (t) => {
  await t.test('reuses the cached bundle until an input changes', async () => {
    const dir = await tempDir('browser-bundle');
    const entry = join(dir, 'entry.ts');
    const helper = join(dir, 'helper.ts');
    await writeFile(helper, 'export const answer = 41;\n');
    await writeFile(entry, "import { answer } from './helper.ts';\n(globalThis as Record<string, unknown>).answer = answer;\n");
    const out = join(dir, 'out');

    const first = await buildPageBundle(out, { entry });
    assert.equal(first.built, true);
    assert.match(await readFile(join(first.dir, PAGE_SCRIPT), 'utf8'), /41/);
    assert.match(await readFile(join(first.dir, 'index.html'), 'utf8'), new RegExp(`src="./${PAGE_SCRIPT}"`));

    const second = await buildPageBundle(out, { entry });
    assert.equal(second.built, false, 'nothing changed: reuse');

    await writeFile(helper, 'export const answer = 42;\n');
    const later = new Date(Date.now() + 5000);
    await utimes(helper, later, later);
    const third = await buildPageBundle(out, { entry });
    assert.equal(third.built, true, 'an imported file changed: rebuild');
    assert.match(await readFile(join(third.dir, PAGE_SCRIPT), 'utf8'), /42/);
  });

  await t.test('an out folder from elsewhere: a forged manifest rebuilds, a linked cache folder is refused', async () => {
    const dir = await tempDir('browser-bundle-planted');
    const entry = join(dir, 'entry.ts');
    await writeFile(entry, '(globalThis as Record<string, unknown>).answer = 7;\n');
    const out = join(dir, 'out');
    const built = await buildPageBundle(out, { entry });
    // A manifest that does not match the schema (here: inputs of the wrong shape) is no manifest.
    await writeFile(join(built.dir, 'build.json'), JSON.stringify({ esbuild: esbuild.version, entry, inputs: { [entry]: 'any' } }));
    assert.equal((await buildPageBundle(out, { entry })).built, true);

    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    const planted = join(dir, 'planted-out');
    await mkdir(planted);
    await symlink(elsewhere, join(planted, 'cache'));
    await assert.rejects(buildPageBundle(planted, { entry }), (error: Error & { code?: string }) => error.code === 'OUT_LINK' && /symbolic link/.test(error.message));
  });

  await t.test('the real page bundles for the browser without Node built-ins', async () => {
    const result = await esbuild.build({
      entryPoints: [join(PAGE_SOURCE_DIR, 'main.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.deepEqual(inputs.filter((path) => path.startsWith('node:')), []);
    for (const needed of ['targets/kernel/measure.ts', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-webgpu', '@litertjs/core']) {
      assert.ok(inputs.some((path) => path.includes(needed)), `the page bundle should include ${needed}`);
    }
  });
});
