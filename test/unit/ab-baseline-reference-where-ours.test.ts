/**
 * A's agreement reference in an A/B: made, as B's is, when A's folder is
 * edgebench's own (a git ref's artifacts built under this out folder's
 * cache/baselines), so agreement is compared on both sides; never written
 * into a user's baseline folder, whose own reference is used when it has
 * one. A scripted target records what each pair was given; its reference
 * hook writes the file where a real one would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runAb } from '../../harness/ab.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { hostDevice } from '../../harness/core/host.ts';
import { builtBaselinesDir, evalPackDir } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { PairJob, Target } from '../../targets/types.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A target that pairs with made-up times, records each pair's A and B reference paths, and makes references as files. */
function scripted(pairs: { a?: string; b?: string }[], made: string[]): Target {
  return {
    kind: 'node',
    discover: async () => [{ device: hostDevice(), usable: true, runtimes: [{ runtime: 'tfjs-cpu', format: 'tfjs', available: true }] }],
    run: async () => {
      throw new Error('an A/B run never runs plain jobs');
    },
    async reference(request, context) {
      const path = join(evalPackDir(context.out, request.artifact.model), 'reference.json');
      await writeFile(path, '{}');
      made.push(path);
      return { path, runtime: 'tfjs-cpu', images: 2, seconds: 0, cached: false };
    },
    async runPair(pair: PairJob) {
      pairs.push({ ...(pair.a.referencePath ? { a: pair.a.referencePath } : {}), ...(pair.b.referencePath ? { b: pair.b.referencePath } : {}) });
      return { ok: true, processes: Array.from({ length: pair.processes }, () => ({ a: Array(8).fill(10), b: Array(8).fill(10) })), design: 'in-process' };
    },
  };
}

async function abAgainst(out: string, baseline: string) {
  const pairs: { a?: string; b?: string }[] = [];
  const made: string[] = [];
  const target = scripted(pairs, made);
  await runAb({ config: parseConfig({ out, models: ['tiny'], run: { targets: ['node'], backends: ['tfjs-cpu'] } }), log: memoryLogger(), out, baseline, cwd: out, processes: 2, targets: { node: async () => target } });
  return { pairs, made };
}

test("a baseline built in this out folder's cache gets its own agreement reference; a user's folder is never written", async (t) => {
  const root = await tempDir('ab-a-reference');
  t.after(() => rm(root, { recursive: true, force: true }));
  const out = join(root, 'change');
  await makeTinyArtifact(out);

  const built = join(builtBaselinesDir(out), 'f'.repeat(32));
  await mkdir(built, { recursive: true });
  await makeTinyArtifact(built);
  const ours = await abAgainst(out, built);
  const aReference = join(evalPackDir(built, 'tiny'), 'reference.json');
  assert.deepEqual(ours.made.sort(), [join(evalPackDir(out, 'tiny'), 'reference.json'), aReference].sort(), 'B and A each get one');
  assert.deepEqual(ours.pairs, [{ a: aReference, b: join(evalPackDir(out, 'tiny'), 'reference.json') }]);

  const user = join(root, 'theirs');
  await makeTinyArtifact(user);
  const theirs = await abAgainst(out, user);
  assert.equal(existsSync(join(evalPackDir(user, 'tiny'), 'reference.json')), false, "nothing written in the user's folder");
  assert.deepEqual(theirs.pairs, [{ b: join(evalPackDir(out, 'tiny'), 'reference.json') }], 'A without a reference of its own is compared on accuracy only');
});
