/**
 * One reference pass per model, on the fastest exact TF.js engine installed:
 * tfjs-tensorflow where tfjs-node installed, else tfjs-wasm, else tfjs-cpu;
 * an engine that cannot load hands over to the next with a warning; the file
 * names the engine, and later runs read it whichever exact engine made it,
 * unless the pack's order changed under it.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listArtifacts } from '../../harness/artifacts.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { evalPackDir } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { ensureReference, installedReferenceEngines, type ReferenceFile } from '../../targets/node/reference.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';

let out: string;
let tiny: TinyArtifact;

before(async () => {
  out = await tempDir('reference-engine');
  tiny = await makeTinyArtifact(out);
});
after(() => rm(out, { recursive: true, force: true }));

test('the engines installed, fastest first: tfjs-node (optional) only where its package resolves', () => {
  const without = installedReferenceEngines((name) => {
    if (name === '@tensorflow/tfjs-node') throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
    return `/node_modules/${name}/index.js`;
  });
  assert.deepEqual(without, ['tfjs-wasm', 'tfjs-cpu']);
  assert.deepEqual(installedReferenceEngines((name) => `/node_modules/${name}/index.js`), ['tfjs-tensorflow', 'tfjs-wasm', 'tfjs-cpu']);
});

test('made once on the first engine that loads, named in the file, then read from it', async () => {
  const { models } = await listArtifacts(out, ['tiny']);
  const artifact = models[0]!.artifacts[0]!;
  const config = parseConfig({ out, models: ['tiny'] });
  const log = memoryLogger();
  // An engine that cannot load (no such runtime here) hands over to tfjs-wasm.
  const made = await ensureReference({ artifact, metadata: tiny.metadata, config, log, out, inProcess: true, engines: ['tfjs-missing-engine', 'tfjs-wasm'] });
  assert.equal(made.runtime, 'tfjs-wasm');
  assert.equal(made.cached, false);
  assert.equal(made.images, tiny.images);
  assert.ok(log.lines.some((line) => /warning: tiny: tfjs-missing-engine reference failed in setup: .*making the reference on tfjs-wasm instead/.test(line)), log.lines.join('\n'));
  const file = JSON.parse(await readFile(made.path, 'utf8')) as ReferenceFile;
  assert.equal(file.runtime, 'tfjs-wasm');
  assert.equal(file.probabilities.length, tiny.images * 3);

  const again = await ensureReference({ artifact, metadata: tiny.metadata, config, log: memoryLogger(), out, inProcess: true, engines: ['tfjs-cpu'] });
  assert.deepEqual([again.cached, again.runtime, again.seconds], [true, 'tfjs-wasm', 0], 'another exact engine reads the same file');

  // A file without the pack's identity (made before the pack order was fixed) is made again.
  const { pack: _pack, ...older } = file;
  await writeFile(join(evalPackDir(out, 'tiny'), 'reference.json'), JSON.stringify(older));
  const remade = await ensureReference({ artifact, metadata: tiny.metadata, config, log: memoryLogger(), out, inProcess: true, engines: ['tfjs-cpu'] });
  assert.deepEqual([remade.cached, remade.runtime], [false, 'tfjs-cpu']);
  const cpu = JSON.parse(await readFile(remade.path, 'utf8')) as ReferenceFile;
  const maxDelta = Math.max(...cpu.probabilities.map((value, index) => Math.abs(value - file.probabilities[index]!)));
  assert.ok(maxDelta < 1e-4, `tfjs-cpu and tfjs-wasm agree: max |Δ| ${maxDelta}`);
});
