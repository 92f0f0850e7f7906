/**
 * The Node worker's cached bundle (targets/node/worker-bundle.ts) on a small
 * tree of its own: it runs without tsx, keeps each source's import.meta.url,
 * is reused while the sources are unchanged, is built again when one changes,
 * is not used where it could have been changed by someone else, and loads
 * TF.js's CommonJS packages through require (the same modules, the same
 * exports) where its sources import them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerBundle, type BundleTree } from '../../targets/node/worker-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

async function tree(): Promise<BundleTree> {
  const root = await tempDir('worker-bundle');
  await mkdir(join(root, 'src'));
  await writeFile(join(root, 'src', 'entry.ts'), "import { word } from './dep.ts';\nconst n: number = 1;\nconsole.log(word, n, import.meta.url);\n");
  await writeFile(join(root, 'src', 'dep.ts'), "export const word: string = 'one';\n");
  return { root, entry: join(root, 'src', 'entry.ts'), cache: join(root, 'cache') };
}

const run = (bundle: string) => execFileSync(process.execPath, [bundle], { encoding: 'utf8' }).trim();

test('the bundle runs without tsx, follows edits of its sources, and is refused when others could have written it; a broken manifest builds again', async () => {
  const t = await tree();
  const first = await workerBundle(t);
  assert.ok(first, 'built');
  assert.equal(run(first), `one 1 ${pathToFileURL(t.entry).href}`, "plain node runs it; import.meta.url is the source's");
  assert.equal(await workerBundle(t), first, 'unchanged sources: the same bundle');

  await writeFile(join(t.root, 'src', 'dep.ts'), "export const word: string = 'two';\n");
  const second = await workerBundle(t);
  assert.ok(second);
  assert.notEqual(second, first, 'an imported source changed: a new key');
  assert.match(run(second), /^two 1 /);

  await writeFile(join(t.cache, 'manifest.json'), '{"key": 3', { mode: 0o600 });
  assert.equal(await workerBundle(t), second, 'a broken manifest: built again, to the same key');

  await chmod(second, 0o666);
  assert.equal(await workerBundle(t), undefined, 'a bundle others may write is not run (the worker falls back to tsx)');

  const blocked = { ...t, cache: join(t.root, 'src', 'dep.ts', 'cache') };
  assert.equal(await workerBundle(blocked), undefined, 'no cache folder can be made: tsx');
});

test("a copy of the tree elsewhere given the first tree's cache builds its own bundle: the first one's paths are never run", async () => {
  const first = await tree();
  const built = await workerBundle(first);
  assert.ok(built);
  // The second tree has the same sources and shares the cache (a clone handed this one's node_modules).
  const second = await tree();
  const copy = { ...second, cache: first.cache };
  const own = await workerBundle(copy);
  assert.ok(own);
  assert.notEqual(own, built, 'same sources at another root: another key');
  assert.equal(run(own), `one 1 ${pathToFileURL(second.entry).href}`, "the copy's bundle names the copy's sources");
});

test("TF.js's CommonJS packages, imported statically or by import(), are the module require loads, with their exports named; a type's import() is left alone", async () => {
  const t = await tree();
  // Packages resolve from the tree's root, as from the repository's.
  await symlink(fileURLToPath(new URL('../../node_modules', import.meta.url)), join(t.root, 'node_modules'), 'dir');
  await writeFile(
    t.entry,
    [
      "import { createRequire } from 'node:module';",
      "import * as statically from '@tensorflow/tfjs-core';",
      "type Core = typeof import('@tensorflow/tfjs-core');",
      "const dynamically: Core = await import('@tensorflow/tfjs-core');",
      "let none: import('@tensorflow/tfjs-core').Tensor | undefined;",
      "const required = createRequire(import.meta.url)('@tensorflow/tfjs-core');",
      "console.log(typeof statically.tensor, statically.tensor === required.tensor, dynamically.tensor === required.tensor, statically.version_core === required.version_core, 'default' in dynamically, none);",
    ].join('\n'),
  );
  const bundle = await workerBundle(t);
  assert.ok(bundle, 'built');
  // Node's loader would have given import() a namespace with a `default`: this one is module.exports, required.
  assert.equal(run(bundle), 'function true true true false undefined');
});
