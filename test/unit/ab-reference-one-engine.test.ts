/**
 * In an A/B, B's agreement reference is tried on one engine: a model (or
 * engine) that does not load fails it at once instead of handing over to
 * the next engine (each try a worker with TF.js: ~35 s for a broken B
 * before any pair ran); B's first pair process then names B. Outside an A/B
 * the hand-over stays (reference-fastest-engine.test.ts). Real TF.js, in
 * this process, on a tiny model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listArtifacts } from '../../harness/artifacts.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { evalPackDir } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { ensureReference } from '../../targets/node/reference.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';

test('handOver false: the first engine that cannot load fails the reference, the next is never tried', async (t) => {
  const out = await tempDir('ab-reference-one-engine');
  t.after(() => rm(out, { recursive: true, force: true }));
  const tiny = await makeTinyArtifact(out);
  const artifact = (await listArtifacts(out, ['tiny'])).models[0]!.artifacts[0]!;
  const config = parseConfig({ out, models: ['tiny'] });
  const log = memoryLogger();
  await assert.rejects(
    ensureReference({ artifact, metadata: tiny.metadata, config, log, out, inProcess: true, engines: ['tfjs-missing-engine', 'tfjs-cpu'], handOver: false }),
    /tfjs-missing-engine reference failed in setup/,
  );
  assert.ok(!log.lines.some((line) => line.includes('on tfjs-cpu')), log.lines.join('\n'));
  assert.equal(existsSync(join(evalPackDir(out, 'tiny'), 'reference.json')), false);
  // The default still hands over: the same call without handOver makes it on tfjs-cpu.
  const made = await ensureReference({ artifact, metadata: tiny.metadata, config, log: memoryLogger(), out, inProcess: true, engines: ['tfjs-missing-engine', 'tfjs-cpu'] });
  assert.equal(made.runtime, 'tfjs-cpu');
});
