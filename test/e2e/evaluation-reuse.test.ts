/**
 * A second run with the same model file, code, runtime, device and images
 * reads the first run's accuracy instead of evaluating again (it still
 * measures latency); --reevaluate, or a changed evaluation pack, evaluates.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { PACK_IMAGES } from '../../harness/core/eval-pack.ts';
import { evalPackDir } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';

let out: string;

before(async () => {
  out = await tempDir('evaluation-reuse');
  await makeTinyArtifact(out);
});
after(() => rm(out, { recursive: true, force: true }));

const run = (overrides: Record<string, unknown> = {}) =>
  runBenchmarks({
    config: parseConfig({ out, models: ['tiny'], run: { targets: ['node'], backends: ['tfjs-wasm'], warmupIterations: 1, minSamples: 5, minTimeMs: 0, rounds: 1, ...overrides } }),
    log: memoryLogger(),
    out,
    referenceInProcess: true,
  });

test('the second run reuses the first run\'s evaluation and measures latency anew; --reevaluate and a changed pack evaluate', async () => {
  const first = await run();
  const evaluated = first.record.measurements[0]!.evaluation!;
  assert.equal(evaluated.reusedFrom, undefined);
  assert.match(evaluated.fingerprint ?? '', /^[0-9a-f]{64}$/);
  assert.ok(evaluated.images > 0);

  const second = await run();
  const measurement = second.record.measurements[0]!;
  assert.equal(measurement.evaluation?.reusedFrom, first.runId);
  assert.equal(measurement.evaluation?.fingerprint, evaluated.fingerprint);
  assert.deepEqual([measurement.evaluation?.images, measurement.evaluation?.accuracy, measurement.evaluation?.hits], [evaluated.images, evaluated.accuracy, evaluated.hits]);
  assert.notDeepEqual(measurement.samples, first.record.measurements[0]!.samples, 'latency is measured again');
  assert.equal(second.timings.jobs[0]!.reusedFrom, first.runId);

  const third = await run({ reuseEvaluations: false });
  assert.equal(third.record.measurements[0]!.evaluation?.reusedFrom, undefined, 'reevaluated');
  assert.equal(third.record.measurements[0]!.evaluation?.fingerprint, evaluated.fingerprint, 'the same inputs');

  // Other pixels: another fingerprint, so the images are evaluated again.
  const pixels = join(evalPackDir(out, 'tiny'), PACK_IMAGES);
  const bytes = await readFile(pixels);
  bytes[0] = 255 - bytes[0]!;
  await writeFile(pixels, bytes);
  const fourth = await run();
  const changed = fourth.record.measurements[0]!.evaluation!;
  assert.equal(changed.reusedFrom, undefined);
  assert.notEqual(changed.fingerprint, evaluated.fingerprint);

  // A different budget changes how many images a slow job evaluates: no reuse across budgets.
  const fifth = await run({ evalBudgetMs: 123_456 });
  assert.equal(fifth.record.measurements[0]!.evaluation?.reusedFrom, undefined);
});
