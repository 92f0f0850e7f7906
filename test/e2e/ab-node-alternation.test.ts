/**
 * A/B on the Node target with the real TF.js cpu runtime in real worker
 * processes: A and B alternate inside each fresh worker, the processes
 * alternate which side goes first, and the paired times give the verdict.
 * A against itself is never a regression, and a B that cannot load is a
 * failure naming side B (a slower B: test/e2e/ab-command-verdicts.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalPackDir } from '../../harness/core/layout.ts';
import { pairedRatio } from '../../harness/core/paired.ts';
import { abVerdict } from '../../reports/ab.ts';
import { abbaFirst } from '../../targets/kernel/paired.ts';
import { measureAbOnNode } from '../../targets/node/ab.ts';
import { DEFAULT_RUNTIME_MODULE } from '../../targets/node/runtimes.ts';
import type { NodeJobSpec } from '../../targets/node/protocol.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';

const kernel = { warmupIterations: 2, minSamples: 15, minTimeMs: 0, maxTimeMs: 5_000, batchSize: 1 };
const execute = { isolate: true, timeoutMs: 60_000 };

function spec(out: string, artifact: TinyArtifact): NodeJobSpec {
  return { runtime: 'tfjs-cpu', runtimeModules: [DEFAULT_RUNTIME_MODULE], artifactPath: artifact.modelJsonPath, metadata: artifact.metadata, evalPackDir: evalPackDir(out, artifact.model), kernel, threads: 1 };
}

test('A/B in alternating worker processes: A/A is not a regression, a B that fails is named', async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'edgebench-ab-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const small = spec(out, await makeTinyArtifact(out, { model: 'small' }));
  assert.deepEqual([0, 1, 2, 3, 4].map(abbaFirst), ['a', 'b', 'b', 'a', 'a']);

  const same = await measureAbOnNode({ a: small, b: small, processes: 2, seed: 1, execute });
  assert.ok(same.ok, JSON.stringify(same));
  assert.deepEqual(
    same.processes.map(({ a, b }) => [a.length, b.length]),
    [
      [15, 15],
      [15, 15],
    ],
  );

  const broken = await measureAbOnNode({ a: small, b: { ...small, artifactPath: join(out, 'missing', 'model.json') }, processes: 1, seed: 1, execute });
  assert.equal(broken.ok, false);
  assert.ok(!broken.ok && broken.side === 'b' && broken.phase === 'load', JSON.stringify(broken));

  const verdict = abVerdict(
    [
      { key: 'node/tfjs-cpu/small', estimate: pairedRatio(same.processes) },
      { key: 'node/tfjs-cpu/broken', failed: 'b', message: broken.ok ? '' : broken.error.message },
    ],
    { minEffect: 0.05, alpha: 0.05 },
  );
  assert.notEqual(verdict.keys[0]!.verdict, 'regressed', verdict.keys[0]!.reason);
  assert.notEqual(verdict.keys[0]!.verdict, 'improved', verdict.keys[0]!.reason);
  assert.equal(verdict.keys[1]!.verdict, 'regressed');
});
