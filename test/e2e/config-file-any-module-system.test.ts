/**
 * The documented `bench.config.ts` (docs/configuration.md) loads in any
 * folder: no package.json (the common case), a CommonJS package, an ES module
 * package. Loaded in a fresh
 * process set up as harness/bin.js sets itself up (tsx's ESM `register()`
 * only): a test runner started with `--import tsx` also has tsx's CommonJS
 * hooks, under which the old plain `import()` happened to work too.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from '../helpers/tmp.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The first `bench.config.ts` example of docs/configuration.md, as a user would copy it. */
async function documentedExample(): Promise<string> {
  const doc = await readFile(join(REPO, 'docs', 'configuration.md'), 'utf8');
  const block = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!).find((code) => code.startsWith('// bench.config.ts') && code.includes('defineConfig'));
  assert.ok(block, 'docs/configuration.md has a bench.config.ts example');
  return block;
}

/** A user's project: `edgebench` installed (linked to this checkout), package.json as given. */
async function project(packageJson: object | undefined, config: string): Promise<string> {
  const dir = await tempDir('config-module');
  await mkdir(join(dir, 'node_modules'));
  await symlink(REPO, join(dir, 'node_modules', 'edgebench'));
  if (packageJson) await writeFile(join(dir, 'package.json'), JSON.stringify(packageJson));
  await writeFile(join(dir, 'bench.config.ts'), config);
  return dir;
}

/** loadConfig in a process set up like harness/bin.js, from `cwd`; its JSON output or its error. */
function loadInCliProcess(cwd: string): Promise<{ config?: { models: string[]; retrain: { steps: number } }; error?: string }> {
  const script = `
    import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};
    register();
    const { loadConfig } = await import(${JSON.stringify(pathToFileURL(join(REPO, 'harness', 'config-file.ts')).href)});
    try { process.stdout.write(JSON.stringify({ config: (await loadConfig({ cwd: process.cwd() })).config })); }
    catch (error) { process.stdout.write(JSON.stringify({ error: error.message })); }`;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd, env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    }),
  );
}

for (const [label, packageJson] of [
  ['no package.json', undefined],
  ['a CommonJS package.json (no "type")', { name: 'app', version: '1.0.0' }],
  ['a package.json with "type": "commonjs"', { name: 'app', type: 'commonjs' }],
  ['an ES module package.json', { name: 'app', type: 'module' }],
] as const) {
  test(`the documented example loads in a folder with ${label}`, async () => {
    const dir = await project(packageJson, await documentedExample());
    try {
      const { config, error } = await loadInCliProcess(dir);
      assert.equal(error, undefined);
      assert.deepEqual(config!.models, ['mobilenet_v2', 'my_net']);
      assert.equal(config!.retrain.steps, 2000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
