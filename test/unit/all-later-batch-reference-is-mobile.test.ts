/**
 * A batch that measures only some artifacts of a model (`bench all`'s later
 * variants) still points its jobs at the agreement reference of the model's
 * Mobile artifact: the plan is narrowed to the batch's jobs, the model keeps
 * every artifact. (Narrowing the model's artifacts instead made the first
 * Lite file of the batch the reference, float16 agreeing with itself.)
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ModelArtifacts } from '../../harness/artifacts.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { PACK_JSON } from '../../harness/core/eval-pack.ts';
import { evalPackDir } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import type { ArtifactInfo } from '../../harness/core/record.ts';
import type { ActiveTarget } from '../../harness/plan.ts';
import { finishedPlan } from '../../harness/run.ts';
import { inBatch } from '../../harness/stream-batches.ts';
import type { AgreementRequest, Target, TargetContext } from '../../targets/types.ts';

test('later variants: only their jobs, pointed at the reference made from the Mobile artifact', async () => {
  const out = await mkdtemp(join(tmpdir(), 'edgebench-batch-reference-'));
  try {
    await mkdir(evalPackDir(out, 'm'), { recursive: true });
    await writeFile(join(evalPackDir(out, 'm'), PACK_JSON), JSON.stringify({ count: 3 }));
    const config = parseConfig({ out, models: ['m'], run: { workloads: ['infer'] } });
    const context: TargetContext = { config, log: memoryLogger(), out, signal: new AbortController().signal };
    const artifact = (format: 'tfjs' | 'tflite', variant: ArtifactInfo['variant']): ArtifactInfo => ({ id: `m/${format}/${variant}`, model: 'm', format, variant, path: `/nowhere/${format}-${variant}`, bytes: 1, gzipBytes: 1, sha256: 'x' });
    const models: ModelArtifacts[] = [{ model: 'm', metadata: { model: 'm', inputSize: 8 } as ModelMetadata, artifacts: [artifact('tfjs', 'float32'), artifact('tflite', 'float32'), artifact('tflite', 'float16')] }];
    const asked: AgreementRequest[] = [];
    const node = { kind: 'node', reference: async (request: AgreementRequest) => (asked.push(request), { path: '/refs/m.json', runtime: 'tfjs-wasm', images: 3, seconds: 0, cached: true }) } as unknown as Target;
    const runtimes = [
      { runtime: 'tfjs-wasm', format: 'tfjs' as const, available: true },
      { runtime: 'tflite-node', format: 'tflite' as const, available: true },
    ];
    const active: ActiveTarget[] = [{ target: node, devices: [{ device: { id: 'host', kind: 'node', name: 'host' }, usable: true, runtimes }] }];
    const plan = await finishedPlan(models, active, context, { cwd: out, only: (found) => inBatch(found, ['float16'], false) });
    assert.deepEqual(plan.jobs.map(({ job }) => [job.artifact.id, job.referencePath]), [['m/tflite/float16', '/refs/m.json']]);
    assert.deepEqual(asked.map((request) => request.artifact.id), ['m/tfjs/float32']);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
