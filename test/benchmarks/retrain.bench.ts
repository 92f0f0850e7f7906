/**
 * `npm run benchmark:retrain`: `bench retrain` on the default dataset, cold
 * cache then warm cache, in one run. Prints wall times, the warm/cold ratio
 * (goal: warm at least 5× faster) and bottleneck extraction throughput per backbone.
 *
 *   BENCH_MODELS=mobilenet_v2 npm run benchmark:retrain   # one backbone only
 */
import { rm } from 'node:fs/promises';
import { parseConfig } from '../../harness/core/config.ts';
import { createLogger } from '../../harness/core/log.ts';
import { retrainModels } from '../../models/retrain.ts';
import { tfliteHostRunner } from '../../targets/node/tflite-host.ts';
import { tempDir } from '../helpers/tmp.ts';

const models = (process.env.BENCH_MODELS ?? 'mobilenet_v2,inception_v3').split(',');
const out = await tempDir('bench-retrain');
const config = parseConfig({ out, models });
const log = createLogger({ level: 'quiet' });

// The dataset is generated once before timing: both runs retrain on the same files.
const { resolveDataset } = await import('../../models/retrain.ts');
await resolveDataset({ config, log, out });

async function timed() {
  const started = performance.now();
  // As `bench retrain` runs it: bottlenecks on the host's fast engine (TF.js when it cannot load).
  const outcome = await retrainModels({ config, log, out, tflite: tfliteHostRunner });
  return { seconds: (performance.now() - started) / 1000, outcome };
}

const cold = await timed();
const warm = await timed();
console.log(`bench retrain on the default dataset (${models.join(', ')})`);
console.log(`  cold cache: ${cold.seconds.toFixed(1)} s`);
console.log(`  warm cache: ${warm.seconds.toFixed(1)} s`);
console.log(`  warm is ${(cold.seconds / warm.seconds).toFixed(1)}× faster (goal ≥ 5×)`);
for (const model of cold.outcome.models) {
  const { computed, inferenceSeconds } = model.bottlenecks;
  console.log(`  ${model.model}: ${computed} bottlenecks on ${model.bottlenecks.engine} in ${inferenceSeconds.toFixed(1)} s = ${(computed / inferenceSeconds).toFixed(1)} images/s; test accuracy ${(model.metadata.training.testAccuracy * 100).toFixed(1)}%`);
}
for (const model of warm.outcome.models) console.log(`  ${model.model} warm: ${model.bottlenecks.computed} computed, ${model.bottlenecks.cached} cached`);
await rm(out, { recursive: true, force: true });
