/**
 * The kernel is bundled into the browser benchmark page: it must build for
 * the browser platform without any Node built-in, and the bundle must work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

test('targets/kernel/index.ts bundles for a browser with no Node built-ins and measures', async () => {
  const entry = fileURLToPath(new URL('../../targets/kernel/index.ts', import.meta.url));
  const result = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(!inputs.some((path) => path.startsWith('node:')), `Node built-ins in the bundle: ${inputs.filter((path) => path.startsWith('node:')).join(', ')}`);
  const code = result.outputFiles[0]!.text;
  assert.doesNotMatch(code, /require\(["']node:|from ["']node:/);

  const kernel = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as typeof import('../../targets/kernel/index.ts');
  const pack = { model: 'm', count: 1, height: 1, width: 1, images: new Uint8Array(3), labels: [0], files: ['x'], classNames: ['a', 'b'] };
  const measured = await kernel.measure({
    load: async () => ({ run: async () => new Float32Array([0.9, 0.1]), dispose() {} }),
    pack,
    options: { warmupIterations: 1, minSamples: 5, minTimeMs: 0, maxTimeMs: 1000, batchSize: 1 },
  });
  assert.ok(measured.samples.length >= 5);
  assert.equal(measured.evaluation?.accuracy, 1);
});
