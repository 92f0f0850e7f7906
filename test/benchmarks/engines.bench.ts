/**
 * `npm run benchmark:engines`: the browser engines installed here (Chromium,
 * Firefox, WebKitGTK) side by side, each job's p50 as a ratio to Chromium's
 * for the same artifact and runtime (reports/engines.ts), through one real
 * `bench run` on the browser target.
 *
 * It measures the models already in BENCH_OUT (default `.bench`: e.g. after
 * `bench all`), tfjs-wasm and litert-wasm, every variant; with none there, the
 * tiny test model on tfjs-wasm in a temporary folder (seconds).
 *
 *   BENCH_OUT=/path/to/out npm run benchmark:engines
 *   BENCH_TIME_MS=5000 npm run benchmark:engines    # longer loops (default 1000)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfig } from '../../harness/core/config.ts';
import { createLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { enginesSideBySide, formatEngines } from '../../reports/engines.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';

const timeMs = Number(process.env.BENCH_TIME_MS ?? 1000);
const preferred = resolve(process.env.BENCH_OUT ?? '.bench');
const hasModels = existsSync(join(preferred, 'models', 'mobilenet_v2'));
const out = hasModels ? preferred : await mkdtemp(join(tmpdir(), 'edgebench-engines-'));
if (!hasModels) await makeTinyArtifact(out, { images: 12 });

const config = parseConfig({
  out,
  ...(hasModels ? {} : { models: ['tiny'] }),
  run: { targets: ['browser'], backends: ['tfjs-wasm', 'litert-wasm'], warmupIterations: 3, minSamples: 10, minTimeMs: timeMs, maxTimeMs: timeMs * 3, rounds: 1, evalLimit: 12 },
});
const log = createLogger({ level: 'normal' });
try {
  const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true });
  const view = enginesSideBySide(record);
  console.log(`\nbrowsers side by side (${hasModels ? out : 'the tiny test model'}; p50, × ${view.baseline ?? 'Chromium'}):`);
  for (const line of formatEngines(view)) console.log(line);
  for (const failure of record.failures) console.log(`failed: ${failure.key.device} ${failure.key.runtime} ${failure.artifact}: ${failure.error.message.split('\n')[0]}`);
} finally {
  if (!hasModels) await rm(out, { recursive: true, force: true });
}
