/**
 * A/B where A is another tree's code (a git ref's worktree): fresh worker
 * processes alternate, A's started from that tree's worker.ts, and each A
 * process's loop is paired with the B process beside it. Real TF.js cpu
 * workers; A's tree here is this one (the same code), and a tree without a
 * worker fails side A, which shows A really runs from its own tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evalPackDir } from '../../harness/core/layout.ts';
import { measureAbAcrossTrees } from '../../targets/node/ab-trees.ts';
import { DEFAULT_RUNTIME_MODULE } from '../../targets/node/runtimes.ts';
import type { NodeJobSpec } from '../../targets/node/protocol.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';

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
