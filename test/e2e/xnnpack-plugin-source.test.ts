/**
 * The XNNPACK plugin's C source is a file of the repository
 * (targets/node/xnnpack-plugin.c): it compiles with the compiler and flags the
 * runtime builds it with, warning-free (-Wall -Wextra -Werror), into a library
 * that exports the two functions the binding looks for and that the real
 * tfjs-tflite-node binding runs a model through; and its bytes are part of the
 * build cache's key, so an edited source is never served a library built from
 * the old one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { prepareModel, emitVariant } from '../../models/tflite/index.ts';
import { compile, floatInference, loadBinding, pluginCompilerArgs, pluginLibraryDir, PLUGIN_SOURCE_PATH } from '../../targets/node/tflite.ts';
import { tempDir } from '../helpers/tmp.ts';

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
