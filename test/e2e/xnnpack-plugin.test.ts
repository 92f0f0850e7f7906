/**
 * The XNNPACK delegate plugin: built from the repository's C source with the
 * real compiler, trusted only when it is ours. One file (one test
 * process, ~1.5 s of startup each) for what were two, each behaviour its own
 * describe block with its own setup, named after it, its comment saying what
 * it checks.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ensurePrivateDir } from '../../harness/core/private-dir.ts';
import { emitVariant, prepareModel } from '../../models/tflite/index.ts';
import { compile, floatInference, loadBinding, PLUGIN_SOURCE_PATH, pluginCompilerArgs, pluginLibraryDir, preparePlugin } from '../../targets/node/tflite.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * The XNNPACK delegate plugin is code the process loads, so it is built with
 * the real C compiler into a private per-user folder and a cached file is
 * trusted only if it is ours, only we may write it, and its bytes hash to
 * what was built. A planted library (other bytes, a group/world-writable
 * file, another owner) is refused and rebuilt; the rebuilt one loads in the
 * real tfjs-tflite-node binding. The old shared temp folder is never used.
 */
describe('a planted plugin is refused', () => {
  /** A one-layer .tflite made by the project's converter. */
  async function tinyTflite(): Promise<Uint8Array> {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2, activation: 'softmax' })] });
    const { prepareModel, emitVariant } = await import('../../models/tflite/index.ts');
    return emitVariant(prepareModel(model), { variant: 'float32', normalization: { scale: 1, offset: 0 } });
  }

  /** What the old versions' shared folder holds (it may exist from them). */
  function sharedListing(): string[] {
    const shared = join(tmpdir(), 'edgebench-tflite');
    return existsSync(shared) ? readdirSync(shared).sort() : [];
  }

  const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
  const supported = ['linux-x64', 'linux-arm64', 'darwin-arm64'].includes(`${process.platform}-${process.arch}`);

  test('a planted plugin is refused and rebuilt; the rebuilt one is what the manifest says and loads', { skip: !supported && 'no plugin build for this platform' }, async () => {
    const cacheHome = await tempDir('plugin-cache');
    const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
    try {
      const sharedBefore = sharedListing();
      const built = await preparePlugin({ env });
      assert.ok('path' in built, 'reason' in built ? built.reason : '');
      const folder = join(cacheHome, 'edgebench', 'tflite-plugin');
      assert.ok(built.path.startsWith(`${folder}/`), 'in the private per-user folder');
      assert.equal(statSync(folder).mode & 0o777, 0o700);
      assert.equal(built.refused, undefined);
      const manifestFile = readdirSync(folder).find((name) => name.endsWith('.json'))!;
      const manifest = JSON.parse(readFileSync(join(folder, manifestFile), 'utf8')) as { sha256: string };
      assert.equal(sha256(built.path), manifest.sha256, 'the manifest holds the hash of the compiled bytes');
      assert.deepEqual(await preparePlugin({ env }), { path: built.path }, 'reused while intact');

      const plants: Array<[string, () => void, RegExp]> = [
        ['other bytes', () => writeFileSync(built.path, 'a planted library'), /hash mismatch/],
        ['a world-writable file', () => chmodSync(built.path, 0o666), /group or others may write it/],
      ];
      if (process.getuid?.() === 0) plants.push(['a file of another user', () => chownSync(built.path, 65534, 65534), /belongs to uid 65534/]);
      for (const [what, plant, reason] of plants) {
        plant();
        const again = await preparePlugin({ env });
        assert.ok('path' in again, what);
        assert.match(again.refused ?? '', reason, what);
        assert.equal(sha256(again.path), manifest.sha256, `${what}: rebuilt to the bytes built before`);
        const info = statSync(again.path);
        assert.equal(info.uid, process.getuid?.(), `${what}: ours again`);
        assert.equal(info.mode & 0o022, 0, `${what}: writable by us alone`);
      }

      // The rebuilt library is a working delegate plugin: the binding loads it (a wrong one fails here).
      const { TFLiteNodeModelRunner } = createRequire(import.meta.url)('tfjs-tflite-node') as { TFLiteNodeModelRunner: new (model: ArrayBuffer, options: object) => { getInputs(): unknown[] } };
      const bytes = await tinyTflite();
      const runner = new TFLiteNodeModelRunner(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, { threads: 1, delegate: { path: built.path, options: [['num_threads', '1']] } });
      assert.equal(runner.getInputs().length, 1);
      assert.deepEqual(sharedListing(), sharedBefore, 'nothing written to the shared temp folder the old versions used');
    } finally {
      await rm(cacheHome, { recursive: true, force: true });
    }
  });

  test('a private folder that another user owns is refused, one of ours that is open is closed', { skip: process.getuid?.() !== 0 && 'needs root to make a folder of another user' }, async () => {
    const root = await tempDir('plugin-dir');
    try {
      const theirs = join(root, 'theirs');
      ensurePrivateDir(theirs);
      chownSync(theirs, 65534, 65534);
      assert.throws(() => ensurePrivateDir(theirs), /belongs to uid 65534, not to you/);
      const open = join(root, 'open');
      ensurePrivateDir(open);
      chmodSync(open, 0o777);
      ensurePrivateDir(open);
      assert.equal(statSync(open).mode & 0o777, 0o700);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

/**
 * The XNNPACK plugin's C source is a file of the repository
 * (targets/node/xnnpack-plugin.c): it compiles with the compiler and flags the
 * runtime builds it with, warning-free (-Wall -Wextra -Werror), into a library
 * that exports the two functions the binding looks for and that the real
 * tfjs-tflite-node binding runs a model through; and its bytes are part of the
 * build cache's key, so an edited source is never served a library built from
 * the old one.
 */
describe('the plugin source compiles and runs', () => {
  const supported = ['linux-x64', 'linux-arm64', 'darwin-arm64'].includes(`${process.platform}-${process.arch}`);
  const compiler = process.env.CC ?? 'cc';

  test('the plugin source compiles warning-free with the build’s flags, exports the delegate functions and runs a model', { skip: !supported && 'no plugin build for this platform' }, async () => {
    const dir = await tempDir('plugin-source');
    try {
      const library = join(dir, 'plugin.so');
      await compile(compiler, [...pluginCompilerArgs(pluginLibraryDir(), library), '-Wall', '-Wextra', '-Werror'], readFileSync(PLUGIN_SOURCE_PATH));
      if (process.platform === 'linux') {
        const symbols = execFileSync('nm', ['-D', '--defined-only', library], { encoding: 'utf8' });
        assert.match(symbols, / T tflite_plugin_create_delegate$/m);
        assert.match(symbols, / T tflite_plugin_destroy_delegate$/m);
      }

      await tf.setBackend('cpu');
      const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) })] });
      const bytes = await emitVariant(prepareModel(model), { variant: 'float32', normalization: { scale: 1, offset: 0 } });
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      const Interpreter = loadBinding();
      const input = Float32Array.of(0.5, -1, 2, 0.25);
      const delegated = floatInference(new Interpreter(file, { threads: 1, delegate: { path: library, options: [['num_threads', '1']] } }))(input)[0]!;
      const expected = (model.predict(tf.tensor2d(input, [1, 4])) as tf.Tensor).dataSync();
      assert.equal(delegated.length, 3);
      delegated.forEach((value, index) => assert.ok(Math.abs(value - expected[index]!) < 1e-5, `output ${index}: ${value} vs ${expected[index]}`));
      model.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
