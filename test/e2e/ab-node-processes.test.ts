/**
 * A/B on the Node target in real worker processes: both sides in each
 * process, and each side in processes of its own (A from another tree). One file (one test
 * process, ~1.5 s of startup each) for what were two, each behaviour its own
 * describe block with its own setup, named after it, its comment saying what
 * it checks.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evalPackDir } from '../../harness/core/layout.ts';
import { pairedRatio } from '../../harness/core/paired.ts';
import { abVerdict } from '../../reports/ab.ts';
import { abbaFirst } from '../../targets/kernel/paired.ts';
import { measureAbAcrossTrees } from '../../targets/node/ab-trees.ts';
import { measureAbOnNode } from '../../targets/node/ab.ts';
import type { NodeJobSpec } from '../../targets/node/protocol.ts';
import { DEFAULT_RUNTIME_MODULE } from '../../targets/node/runtimes.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';

/**
 * A/B on the Node target with the real TF.js cpu runtime in real worker
 * processes: A and B alternate inside each fresh worker, the processes
 * alternate which side goes first, and the paired times give the verdict.
 * A against itself is never a regression, and a B that cannot load is a
 * failure naming side B (a slower B: test/e2e/ab-command-verdicts.test.ts).
 */
describe('A and B alternating in fresh worker processes', () => {
  // 12 pairs, as a user's A/B: an even count, so each process runs exactly half its pairs A first (targets/kernel/paired.ts).
  const kernel = { warmupIterations: 2, minSamples: 12, minTimeMs: 0, maxTimeMs: 5_000, batchSize: 1 };
  const execute = { isolate: true, timeoutMs: 60_000 };

  function spec(out: string, artifact: TinyArtifact): NodeJobSpec {
    return { runtime: 'tfjs-cpu', runtimeModules: [DEFAULT_RUNTIME_MODULE], artifactPath: artifact.modelJsonPath, metadata: artifact.metadata, evalPackDir: evalPackDir(out, artifact.model), kernel, threads: 1 };
  }

  test('A/B in alternating worker processes: A/A is not a regression, a B that fails is named', async (t) => {
    const out = await mkdtemp(join(tmpdir(), 'edgebench-ab-'));
    t.after(() => rm(out, { recursive: true, force: true }));
    const small = spec(out, await makeTinyArtifact(out, { model: 'small' }));
    assert.deepEqual([0, 1, 2, 3, 4].map(abbaFirst), ['a', 'b', 'b', 'a', 'a']);

    // 4 processes (one A B B A block, a user's default), not 2: from 2 process medians that happen to agree, the
    // t-interval (1 degree of freedom) is narrow wherever they land, and at load 15-25 that flagged this A/A twice
    // (B/A 0.925, p 0.0035, CI 07:46; 0.619, p 0.0004, here), each side's iterations ranging 1-800 ms.
    const same = await measureAbOnNode({ a: small, b: small, processes: 4, seed: 1, execute });
    assert.ok(same.ok, JSON.stringify(same));
    assert.equal(same.bFirst, 24, 'half the pairs of each process B first');
    assert.deepEqual(
      same.processes.map(({ a, b }) => [a.length, b.length]),
      [
        [12, 12],
        [12, 12],
        [12, 12],
        [12, 12],
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
      // alpha 0.001, not a user's 0.05: noise flags an A/A at a rate of up to alpha by definition, so at 0.05 this
      // file could be red up to one run in 20. A fault in the code (a side timed differently, times swapped) gives
      // every process the same ratio: an interval that narrow is still flagged at 0.001.
      { minEffect: 0.05, alpha: 0.001 },
    );
    assert.notEqual(verdict.keys[0]!.verdict, 'regressed', verdict.keys[0]!.reason);
    assert.notEqual(verdict.keys[0]!.verdict, 'improved', verdict.keys[0]!.reason);
    assert.equal(verdict.keys[1]!.verdict, 'regressed');
  });
});

/**
 * A/B where A is another tree's code (a git ref's worktree): fresh worker
 * processes alternate, A's started from that tree's worker.ts, and each A
 * process's loop is paired with the B process beside it. Real TF.js cpu
 * workers; A's tree here is this one (the same code), and a tree without a
 * worker fails side A, which shows A really runs from its own tree.
 */
describe("A from another tree's worker, in alternating processes", () => {
  const WORKER = fileURLToPath(new URL('../../targets/node/worker.ts', import.meta.url));
  const execute = { isolate: true, timeoutMs: 60_000 };

  test('alternating processes: A from its tree, B from this one, paired process by process; a tree without a worker fails side A', async (t) => {
    const out = await mkdtemp(join(tmpdir(), 'edgebench-ab-trees-'));
    t.after(() => rm(out, { recursive: true, force: true }));
    const artifact = await makeTinyArtifact(out, { model: 'small' });
    const spec: NodeJobSpec = {
      runtime: 'tfjs-cpu',
      runtimeModules: [DEFAULT_RUNTIME_MODULE],
      artifactPath: artifact.modelJsonPath,
      metadata: artifact.metadata,
      evalPackDir: evalPackDir(out, artifact.model),
      kernel: { warmupIterations: 1, minSamples: 12, minTimeMs: 0, maxTimeMs: 5_000, batchSize: 1 },
      threads: 1,
    };

    // One process pair (A first: the ABBA order's start) keeps this to two workers.
    const same = await measureAbAcrossTrees({ a: spec, b: spec, aWorker: WORKER, processes: 1, execute });
    assert.ok(same.ok, JSON.stringify(same));
    assert.equal(same.processes.length, 1);
    const [{ a, b }] = same.processes as [{ a: number[]; b: number[] }];
    assert.ok(a.length >= 12 && a.length === b.length, `${a.length} A and ${b.length} B samples`);
    assert.equal(same.bFirst, 0);

    const missing = await measureAbAcrossTrees({ a: spec, b: spec, aWorker: join(out, 'no-tree', 'targets', 'node', 'worker.ts'), processes: 1, execute });
    assert.ok(!missing.ok && missing.side === 'a', JSON.stringify(missing));
  });
});
