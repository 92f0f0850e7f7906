/**
 * A job worker whose runtime modules are all files of this tree starts from a
 * bundle that holds them (targets/node/worker-bundle.ts): plain node, no tsx,
 * runs it and loads the module's runtimes from their bundled copy. A module
 * outside the tree (a user's own) gets no bundle: the worker runs through tsx.
 * One real worker process (a probe of a test runtime that loads nothing).
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { WorkerMessage, WorkerRequest } from '../../targets/node/protocol.ts';
import { bundledWorker } from '../../targets/node/worker-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

/** ../../targets/node/runtimes.ts's DEFAULT_RUNTIME_MODULE, without importing TF.js here. */
const DEFAULT_RUNTIME_MODULE = new URL('../../targets/node/runtimes.ts', import.meta.url).href;
const COUNTING = new URL('../fixtures/node-probe-counting-runtimes.ts', import.meta.url).href;
const CACHE = new URL('../../node_modules/.cache/edgebench-worker-modules/', import.meta.url).pathname;

const probe = (runtimeModules: string[]): WorkerRequest => ({ type: 'probe', runtimeModules, threads: 1, timeouts: { probeMs: 30_000, adapterQueryMs: 30_000 }, only: ['count-b'] });

/** Forks `path` with plain node (no loader: a .ts import would fail) and returns its answer to `request`. */
function answer(path: string, request: WorkerRequest): Promise<WorkerMessage> {
  return new Promise((resolve, reject) => {
    const child = fork(path, [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('message', (message: WorkerMessage) => message.type !== 'phase' && resolve(message));
    child.on('close', (code) => reject(new Error(`the worker exited (${code}) without answering: ${stderr}`)));
    child.send(request);
  });
}

test("an in-tree runtime module: the worker starts from a bundle holding it, and plain node loads the module's runtimes from there", async () => {
  const bundled = await bundledWorker(probe([DEFAULT_RUNTIME_MODULE, COUNTING]));
  assert.ok(bundled, 'a bundle for the default module and the fixture');
  assert.ok(bundled.path.startsWith(CACHE), `${bundled.path} is in the per-set cache`);
  assert.match(bundled.path, /worker\.mjs$/);
  assert.ok(bundled.request.type === 'probe');
  const [first, second] = bundled.request.runtimeModules;
  assert.equal(first, DEFAULT_RUNTIME_MODULE, 'the default module stays the worker’s own');
  assert.equal(second, pathToFileURL(join(bundled.path, '..', 'module-0.mjs')).href, 'the fixture is named by its bundled copy');
  assert.deepEqual(await bundledWorker(probe([COUNTING, DEFAULT_RUNTIME_MODULE])), { path: bundled.path, request: probe([second!, DEFAULT_RUNTIME_MODULE]) }, 'the same set in another order: the same bundle');

  const message = await answer(bundled.path, bundled.request);
  assert.equal(message.type, 'probe-done', JSON.stringify(message));
  assert.deepEqual(message.type === 'probe-done' && message.runtimes.map((runtime) => [runtime.runtime, runtime.available]), [['count-b', true]], "the fixture's runtime, probed from the bundle");
});

test('a runtime module outside the tree, or no file of it: no bundle (tsx runs the worker, as a user’s module)', async () => {
  const outside = join(await tempDir('user-runtimes'), 'runtimes.ts');
  await writeFile(outside, 'export const runtimes = [];\n');
  assert.equal(await bundledWorker(probe([DEFAULT_RUNTIME_MODULE, pathToFileURL(outside).href])), undefined, 'a user’s module anywhere');
  assert.equal(await bundledWorker(probe([DEFAULT_RUNTIME_MODULE, COUNTING, pathToFileURL(outside).href])), undefined, 'one outside module in the set is enough');
  assert.equal(await bundledWorker(probe([DEFAULT_RUNTIME_MODULE, new URL('../fixtures/no-such-runtimes.ts', import.meta.url).href])), undefined, 'an in-tree path that is no file');
  assert.equal(await bundledWorker(probe([DEFAULT_RUNTIME_MODULE, 'some-package/runtimes'])), undefined, 'a package specifier');
});
