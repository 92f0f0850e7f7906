/**
 * The tests' loader (test/ts-loader-hooks.js) gives TF.js's CommonJS
 * packages an ES module facade over their require, to spare Node's loader
 * lexing them in every test process: what an import of one gives must stay
 * what Node's own loading gives, the same module and the same names
 * (`default`, module.exports, then each of its own keys); the source maps it
 * turns off while TF.js loads are on again for our own files.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as core from '@tensorflow/tfjs-core';

const require = createRequire(import.meta.url);

test("a TF.js package imported under the tests' loader is its require's module, with Node's names", async () => {
  for (const [name, namespace] of [
    ['@tensorflow/tfjs-core', core],
    ['@tensorflow/tfjs-backend-cpu', await import('@tensorflow/tfjs-backend-cpu')],
  ] as const) {
    const required = require(name) as Record<string, unknown>;
    assert.equal(namespace.default, required, `${name}: default is module.exports`);
    assert.deepEqual(Object.keys(namespace).sort(), ['default', ...Object.keys(required)].sort(), `${name}: its names`);
    for (const key of Object.keys(required)) assert.equal((namespace as Record<string, unknown>)[key], required[key], `${name}: ${key}`);
  }
  assert.equal(process.sourceMapsEnabled, true, "./ts-loader.js's source maps, for our .ts files");
});
