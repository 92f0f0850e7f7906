/**
 * What one page job costs in headless Chromium, per runtime: N jobs of the
 * tiny model (test/fixtures/node-tiny-model.ts; its .tflite for litert-wasm)
 * through the real browser target, each in its fresh page as a run does,
 * after the browser's launch. Prints wall and CPU seconds per job, the CPU
 * of everything in this process's cgroup (this process, Chromium and its
 * renderers, orphans included): run it in a cgroup of its own (cgroup v1
 * cpuacct or v2; in the root cgroup the figure is the whole machine's).
 *
 *   npm run benchmark:page-job -- [jobs=6] [runtimes=tfjs-cpu,tfjs-wasm,litert-wasm]
 *
 * Compare two trees side by side, at the same load: on a shared machine the
 * others' work slows Chromium's too.
 */
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { liteModelPath } from '../../harness/core/layout.ts';
import { emitVariant, prepareModel } from '../../models/tflite/convert.ts';
import { loadModelToConvert } from '../../models/tflite/load.ts';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import { artifactFor, jobFor, targetContext, tinyModelFixture } from '../helpers/browser-fixture.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { runJob } from '../helpers/run-job.ts';

const jobs = Number(process.argv[2] ?? 6);
const runtimes = (process.argv[3] ?? 'tfjs-cpu,tfjs-wasm,litert-wasm').split(',');

/** CPU seconds of this process's cgroup so far (v1 cpuacct or v2), or of the machine when it is the root one. */
function cgroupCpuSeconds(): number {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const v1 = lines.find((line) => /:cpuacct(,|:)|,cpuacct:/.test(line))?.split(':')[2];
  if (v1 !== undefined) return Number(readFileSync(`/sys/fs/cgroup/cpuacct${v1}/cpuacct.usage`, 'utf8')) / 1e9;
  const v2 = lines.find((line) => line.startsWith('0::'))?.slice(3) ?? '/';
  const stat = readFileSync(`/sys/fs/cgroup${v2}/cpu.stat`, 'utf8');
  return Number(/usage_usec (\d+)/.exec(stat)?.[1] ?? 0) / 1e6;
}

const out = await pageOut('page-job-cpu');
const fixture = await tinyModelFixture(out, 6);
const tfjs = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
const tflitePath = liteModelPath(out, fixture.model, 'float32');
await mkdir(dirname(tflitePath), { recursive: true });
await writeFile(tflitePath, await emitVariant(prepareModel(await loadModelToConvert(fixture.modelJsonPath)), { variant: 'float32', normalization: fixture.metadata.normalization }));
const tflite = await artifactFor(fixture, 'tflite', 'float32', tflitePath);

const target = createBrowserTarget();
const context = targetContext(out, { browser: { browsers: ['chromium'] } });
try {
  const chromium = (await target.discover(context)).find((entry) => entry.usable);
  if (!chromium) throw new Error('no usable Chromium');
  await target.startEarly?.(context, [chromium]);
  console.log(`${jobs} page jobs per runtime, tiny model, ${chromium.device.name}`);
  for (const runtime of runtimes) {
    const artifact = runtime.startsWith('litert-') ? tflite : tfjs;
    const cpu = cgroupCpuSeconds();
    const started = Date.now();
    for (let index = 0; index < jobs; index++) {
      const result = await runJob(target, jobFor(fixture, artifact, chromium.device, runtime), context);
      if (!result.ok) throw new Error(`${runtime}: ${result.failure.error.message}`);
    }
    const perJob = (value: number) => (value / jobs).toFixed(2);
    console.log(`${runtime.padEnd(12)} ${perJob((Date.now() - started) / 1000)} s wall, ${perJob(cgroupCpuSeconds() - cpu)} CPU s per job`);
  }
} finally {
  await target.dispose?.();
  await rm(out, { recursive: true, force: true });
}
