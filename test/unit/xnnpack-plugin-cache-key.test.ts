/**
 * The XNNPACK plugin's build cache key includes the bytes of its C source
 * (targets/node/xnnpack-plugin.c), so an edited source is never served a
 * library built from the old one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { pluginKey, PLUGIN_SOURCE_PATH } from '../../targets/node/tflite.ts';

test('the plugin cache key follows the source’s bytes, the compiler, the library and the platform', () => {
  const source = readFileSync(PLUGIN_SOURCE_PATH);
  const inputs = { source, libraryDir: '/lib', compiler: 'cc', platform: 'linux-x64' };
  const key = pluginKey(inputs);
  assert.match(key, /^[0-9a-f]{16}$/);
  assert.equal(pluginKey({ ...inputs, source: Uint8Array.from(source) }), key, 'the same bytes: the same key');
  assert.notEqual(pluginKey({ ...inputs, source: Buffer.concat([source, Buffer.from('/* edited */\n')]) }), key);
  assert.notEqual(pluginKey({ ...inputs, compiler: 'clang' }), key);
  assert.notEqual(pluginKey({ ...inputs, libraryDir: '/other' }), key);
  assert.notEqual(pluginKey({ ...inputs, platform: 'linux-arm64' }), key);
});
