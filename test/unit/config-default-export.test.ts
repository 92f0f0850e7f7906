/**
 * A config file's default export must be a config object: a number, a
 * function, an array or no default export is an error naming the file,
 * whatever the folder's module system. (That the documented example loads in
 * any folder is test/e2e/config-file-any-module-system.test.ts: it needs the
 * CLI's own loader setup, which a test runner started with --import tsx hides.)
 */
import assert from 'node:assert/strict';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../harness/core/errors.ts';
import { loadConfig } from '../../harness/config-file.ts';
import { tempDir } from '../helpers/tmp.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A user's project folder where `edgebench` is installed (linked to this checkout) and `package.json` is as given. */
async function project(packageJson: object | undefined, config: string, name = 'bench.config.ts'): Promise<string> {
  const dir = await tempDir('config-module');
  await mkdir(join(dir, 'node_modules'));
  await symlink(REPO, join(dir, 'node_modules', 'edgebench'));
  if (packageJson) await writeFile(join(dir, 'package.json'), JSON.stringify(packageJson));
  await writeFile(join(dir, name), config);
  return dir;
}

test('a default export that is not an object, or none, is an error naming the file', async () => {
  for (const [source, expected] of [
    ['export default 42;', /the default export must be a config object .*not a number \(42\)/],
    ['export default () => ({ out: "x" });', /not a function/],
    ['export default [1];', /not an array/],
    ['export const models = ["tiny"];', /has no default export/],
  ] as const) {
    for (const packageJson of [undefined, { type: 'module' }]) {
      const dir = await project(packageJson, source);
      try {
        await assert.rejects(loadConfig({ cwd: dir }), (error: unknown) => error instanceof UserError && error.message.includes(join(dir, 'bench.config.ts')) && expected.test(error.message), `${source} (${packageJson ? 'ESM' : 'no package.json'})`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
});

test('a CommonJS config (.cjs) and a JSON config load too', async () => {
  const cjs = await project(undefined, 'module.exports = { models: ["tiny"] };', 'bench.config.cjs');
  const json = await project(undefined, '{ "models": ["tiny"], "retrain": { "steps": 3 } }', 'bench.config.json');
  try {
    assert.deepEqual((await loadConfig({ cwd: cjs })).config.models, ['tiny']);
    assert.equal((await loadConfig({ cwd: json })).config.retrain.steps, 3);
  } finally {
    await rm(cjs, { recursive: true, force: true });
    await rm(json, { recursive: true, force: true });
  }
});
