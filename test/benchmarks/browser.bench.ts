/**
 * `npm run benchmark:browser`: in one run, side by side,
 * 1. p50 of mobilenet_v2's Mobile artifact on TF.js `wasm` in headless
 *    Chromium (threads as the browser gives them, and one thread) vs TF.js
 *    `wasm` in Node (single-threaded there), through the real targets;
 * 2. LiteRT.js `wasm` with the float32 and int8 `.tflite` vs TF.js `wasm`,
 *    both in the browser;
 * 3. the download size of every browser runtime (JS bundle + wasm, raw and gzip).
 *
 * It uses the retrained mobilenet_v2 and its .tflite files in BENCH_OUT
 * (default `.bench`) when present; otherwise it retrains a small one and
 * converts it into a cached temporary folder (about a minute, once).
 *
 *   BENCH_OUT=/path/to/out npm run benchmark:browser
 *   BENCH_TIME_MS=5000 npm run benchmark:browser    # longer loops
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfig } from '../../harness/core/config.ts';
import { createLogger } from '../../harness/core/log.ts';
import type { ArtifactInfo, ArtifactVariant, DeviceInfo, Measurement } from '../../harness/core/record.ts';
import { evalPackDir, liteModelPath, metadataPath, mobileModelPath } from '../../harness/core/layout.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import { runtimeSizes } from '../../targets/page/index.ts';
import type { KernelOptions } from '../../targets/kernel/types.ts';
import { createNodeTarget } from '../../targets/node/index.ts';
import type { JobSpec, Target, TargetContext } from '../../targets/types.ts';
import { runJob } from '../helpers/run-job.ts';

const MODEL = 'mobilenet_v2';
const timeMs = Number(process.env.BENCH_TIME_MS ?? 3000);
const kernel: KernelOptions = { warmupIterations: 5, minSamples: 20, minTimeMs: timeMs, maxTimeMs: timeMs * 4, batchSize: 1, evaluate: false };

async function outFolder(): Promise<string> {
  const preferred = resolve(process.env.BENCH_OUT ?? '.bench');
  const ready = (out: string) => ['float32', 'int8'].every((variant) => existsSync(liteModelPath(out, MODEL, variant as ArtifactVariant))) && existsSync(mobileModelPath(out, MODEL));
  if (ready(preferred)) return preferred;
  const cache = join(tmpdir(), 'edgebench-browser-bench');
  if (ready(cache)) return cache;
  console.error(`no retrained ${MODEL} with .tflite files in ${preferred}: retraining a small one in ${cache} …`);
  const { retrainModels } = await import('../../models/retrain.ts');
  const { convertArtifacts } = await import('../../models/tflite/index.ts');
  const log = createLogger({ level: 'quiet' });
  const config = parseConfig({ out: cache, models: [MODEL], dataset: { imagesPerClass: 20, testPercent: 20 }, retrain: { steps: 200 } });
  const outcome = await retrainModels({ config, log, out: cache });
  if (outcome.failures.length) throw outcome.failures[0]!.error;
  await convertArtifacts({ out: cache, models: [MODEL], variants: ['float32', 'int8'], calibrationImages: 20, io: 'float', log });
  return cache;
}

const out = await outFolder();
const metadata = JSON.parse(await readFile(metadataPath(out, MODEL), 'utf8')) as ModelMetadata;
const artifact = (format: 'tfjs' | 'tflite', variant: ArtifactVariant, path: string): ArtifactInfo => ({
  id: `${MODEL}/${format}/${variant}`,
  model: MODEL,
  format,
  variant,
  path,
  bytes: 0,
  gzipBytes: 0,
  sha256: '',
});
const mobile = artifact('tfjs', 'float32', mobileModelPath(out, MODEL));
const liteFloat = artifact('tflite', 'float32', liteModelPath(out, MODEL, 'float32'));
const liteInt8 = artifact('tflite', 'int8', liteModelPath(out, MODEL, 'int8'));

const context: TargetContext = { config: parseConfig({ out }), log: createLogger({ level: 'quiet' }), out, signal: new AbortController().signal };
const job = (device: DeviceInfo, runtime: string, what: ArtifactInfo, runtimeOptions: JobSpec['runtimeOptions'] = {}): JobSpec => ({
  artifact: what,
  metadata,
  evalPackDir: evalPackDir(out, MODEL),
  device,
  runtime,
  kernel,
  runtimeOptions,
});

async function measureOn(target: Target, device: DeviceInfo, label: string, runtime: string, what: ArtifactInfo, runtimeOptions: JobSpec['runtimeOptions'] = {}): Promise<Measurement | undefined> {
  const result = await runJob(target, job(device, runtime, what, runtimeOptions), context);
  if (!result.ok) {
    console.log(`${label.padEnd(40)} failed in ${result.failure.phase}: ${result.failure.error.message.split('\n')[0]}`);
    return undefined;
  }
  const m = result.measurement;
  const threads = m.device.extra?.threads ?? '-';
  console.log(`${label.padEnd(40)} ${String(m.samples.length).padStart(7)} ${m.latency.p50.toFixed(1).padStart(8)} ${m.latency.p90.toFixed(1).padStart(8)} ${m.loadMs.toFixed(0).padStart(8)} ${String(threads).padStart(8)}`);
  return m;
}

const ratio = (a: Measurement | undefined, b: Measurement | undefined) => (a && b ? `${(a.latency.p50 / b.latency.p50).toFixed(2)}×` : 'n/a');

const browserTarget = createBrowserTarget();
const nodeTarget = createNodeTarget();
try {
  const [host] = await nodeTarget.discover(context);
  const chromium = (await browserTarget.discover(context)).find((entry) => entry.usable);
  if (!host || !chromium) throw new Error(`needs the Node target and a usable Chromium (${chromium ? 'node' : 'browser'} missing)`);
  console.log(`${MODEL} from ${out}`);
  console.log(`Node ${process.version} on ${host.device.cpu} (${host.device.cores} cores); ${chromium.device.name}, cross-origin isolated: ${chromium.device.extra?.crossOriginIsolated}`);
  console.log(`${'job'.padEnd(40)} ${'samples'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p90 ms'.padStart(8)} ${'load ms'.padStart(8)} ${'threads'.padStart(8)}`);

  const node = await measureOn(nodeTarget, host.device, 'Node tfjs-wasm (Mobile)', 'tfjs-wasm', mobile);
  const browserWasm = await measureOn(browserTarget, chromium.device, 'Chromium tfjs-wasm (Mobile)', 'tfjs-wasm', mobile);
  const browserWasm1 = await measureOn(browserTarget, chromium.device, 'Chromium tfjs-wasm, 1 thread (Mobile)', 'tfjs-wasm', mobile, { threads: 1 });
  const liteF = await measureOn(browserTarget, chromium.device, 'Chromium litert-wasm float32 (Lite)', 'litert-wasm', liteFloat);
  const liteI = await measureOn(browserTarget, chromium.device, 'Chromium litert-wasm int8 (Lite)', 'litert-wasm', liteInt8);

  console.log('\nratios of p50 (lower is faster)');
  console.log(`  browser tfjs-wasm / Node tfjs-wasm             ${ratio(browserWasm, node)}`);
  console.log(`  browser tfjs-wasm 1 thread / Node tfjs-wasm    ${ratio(browserWasm1, node)}`);
  console.log(`  litert-wasm float32 / browser tfjs-wasm        ${ratio(liteF, browserWasm)}`);
  console.log(`  litert-wasm int8 / browser tfjs-wasm           ${ratio(liteI, browserWasm)}`);
  console.log(`  litert-wasm int8 / litert-wasm float32         ${ratio(liteI, liteF)}`);
} finally {
  await browserTarget.dispose?.();
  await nodeTarget.dispose?.();
}

console.log('\nruntime download size (JS bundle + wasm; model not included)');
console.log(`${'runtime'.padEnd(16)} ${'raw kB'.padStart(9)} ${'gzip kB'.padStart(9)}  files`);
for (const size of await runtimeSizes()) {
  const files = size.files.map((file) => `${file.path} ${(file.gzipBytes / 1024).toFixed(0)} kB gz`).join(', ');
  console.log(`${size.runtime.padEnd(16)} ${(size.bytes / 1024).toFixed(0).padStart(9)} ${(size.gzipBytes / 1024).toFixed(0).padStart(9)}  ${files}`);
}
