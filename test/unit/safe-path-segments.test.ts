/**
 * Run ids and model ids become folder names under the out folder, so each is
 * one safe path segment: the layout refuses anything else where paths are
 * made, the config refuses it with the key's path, and a run reference that
 * is not a safe id is not looked up under runs/.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { UserError } from '../../harness/core/errors.ts';
import { bottleneckDir, modelDir, runDir } from '../../harness/core/layout.ts';
import { isSafeSegment } from '../../harness/core/path-segment.ts';
import { RecordError, resolveRun } from '../../harness/history.ts';
import { record } from '../fixtures/report-records.ts';
import { tempDir } from '../helpers/tmp.ts';

const UNSAFE = ['..', '.', '../x', '../../../x', 'a/b', 'a\\b', '/abs', '', ' lead', 'nul\0l', '.hidden', 'x'.repeat(129)];
const SAFE = ['mobilenet_v2', 'mobilenet_v1_0.25_224', 'my-net', '2025-01-02T03-04-05-678Z-1a2b3c', 'a..b'];

test('safe segments: letters, digits, . _ -, starting with a letter or digit', () => {
  for (const value of SAFE) assert.ok(isSafeSegment(value), value);
  for (const value of UNSAFE) assert.ok(!isSafeSegment(value), JSON.stringify(value));
});

test('the layout refuses to build a path from an unsafe run or model id', () => {
  for (const value of UNSAFE) {
    assert.throws(() => runDir('/out', value), (error: unknown) => error instanceof UserError && /run id .* is not a safe name/.test(error.message));
    assert.throws(() => modelDir('/out', value), /model id .* is not a safe name/);
    assert.throws(() => bottleneckDir('/out', value), /backbone id .* is not a safe name/);
  }
  assert.equal(runDir('/out', 'r1'), join('/out', 'runs', 'r1'));
});

test('the config refuses an unsafe model or backbone id, naming its path', () => {
  // A string with a slash is the path of the user's own model (its id is then the file's stem), so the
  // traversal is tried where an id is given as such.
  assert.throws(() => parseConfig({ models: ['mobilenet_v2', 'mobile net'] }, 'flags'), /models\.1: a models entry is a model id \(letters, digits/);
  assert.throws(() => parseConfig({ models: [{ path: 'mine/model.tflite', id: '../../x' }] }, 'flags'), /models\.0\.id: a model id is letters, digits/);
  assert.throws(() => parseConfig({ backbones: { 'a/b': { url: 'x', featureLayer: 'y', inputSize: 2 } } }, 'flags'), /backbones\.a\/b: a model id is letters/);
});

test('a run reference of ".." is a path, not an id, and finds no record above runs/', async () => {
  const out = await tempDir('safe-segments');
  try {
    // A record one level up from runs/, where `runs/..` would land.
    await mkdir(join(out, 'runs'), { recursive: true });
    await writeFile(join(out, 'run.json'), JSON.stringify(record({ runId: 'above' })));
    // As a path it is taken from the working folder (here runs/deep, so runs/, which holds none).
    await assert.rejects(resolveRun(out, '..', { cwd: join(out, 'runs', 'deep') }), (error: unknown) => error instanceof RecordError && /no run "\.\."/.test(error.message));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
