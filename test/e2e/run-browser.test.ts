/**
 * Runs on the browser target in a real headless Chromium through the
 * orchestrator: what a measurement records beside it, and how the plan
 * treats this machine's software GPU. One describe block per behaviour (one
 * test process where two files each paid their own). Both blocks read one
 * real run that measures tfjs-cpu and, named in --backends, tfjs-webgl: a
 * run's discovery, page server and Chromium launch where two runs paid them.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { listArtifacts } from '../../harness/artifacts.ts';
import { formatDevices } from '../../harness/commands/devices.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { leftOutLine, planJobs } from '../../harness/plan.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { renderMarkdown } from '../../reports/index.ts';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import { runtimeSizes } from '../../targets/page/index.ts';
import type { DiscoveredDevice, Target } from '../../targets/types.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { targetContext } from '../helpers/browser-fixture.ts';
import { pageOut } from '../helpers/page-bundle.ts';

let measured: Promise<{ record: RunRecord; lines: string[] }> | undefined;
let measuredOut: string | undefined;

/**
 * One run of the tiny model in headless Chromium on tfjs-cpu and tfjs-webgl
 * (a software GPU here, out of the default plan, so named), made when a test
 * first asks for it.
 */
function browserRun(): Promise<{ record: RunRecord; lines: string[] }> {
  measured ??= (async () => {
    const out = (measuredOut = await pageOut('run-browser'));
    await makeTinyArtifact(out);
    const config = parseConfig({
      out,
      models: ['tiny'],
      run: { targets: ['browser'], backends: ['tfjs-cpu', 'tfjs-webgl'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 5000, rounds: 1 },
      browser: { browsers: ['/usr/bin/chromium'] },
    });
    const log = memoryLogger();
    // The agreement reference in this process (TF.js is loaded here already), not in a worker of its own: it is not what this file checks.
    const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true });
    return { record, lines: log.lines };
  })();
  return measured;
}

after(() => {
  if (measuredOut) rmSync(measuredOut, { recursive: true, force: true });
});

/**
 * The orchestrator with the real browser target: a job in headless Chromium
 * lands in the record beside the download size of the runtime it used.
 */
describe('a measurement and the runtime download size', () => {
  test('a browser run records its measurement and the runtime download size', async () => {
    const { record } = await browserRun();
    assert.equal(record.failures.length, 0, JSON.stringify(record.failures));
    assert.deepEqual(record.measurements.map((entry) => entry.key.runtime).sort(), ['tfjs-cpu', 'tfjs-webgl']);
    const measurement = record.measurements.find((entry) => entry.key.runtime === 'tfjs-cpu');
    assert.ok(measurement);
    assert.equal(measurement.key.target, 'browser');
    assert.ok(measurement.device.browser?.version, 'the device block names the browser version');
    const byRuntime = (a: { runtime: string }, b: { runtime: string }) => a.runtime.localeCompare(b.runtime);
    assert.deepEqual([...record.runtimeSizes].sort(byRuntime), (await runtimeSizes({ runtimes: ['tfjs-cpu', 'tfjs-webgl'] })).sort(byRuntime), 'the download size of each runtime the run used');
    for (const size of record.runtimeSizes) assert.ok(size.gzipBytes > 0 && size.gzipBytes < size.bytes, size.runtime);
  });
});

/**
 * Software GPUs are not GPUs, on this machine's real headless Chromium: its
 * page reports WebGL on SwiftShader and a SwiftShader WebGPU adapter, so the
 * default plan leaves tfjs-webgl, tfjs-webgpu and litert-webgpu out with one
 * line each saying why (as it leaves out TF.js's `cpu` reference backend),
 * and `bench devices` marks them software; naming
 * tfjs-webgl in --backends puts it back, and its measured row is labelled as
 * software-rendered in the record and the report.
 */
describe('software GPUs are not GPUs', () => {
  let out: string;
  let target: Target;
  let chromium: DiscoveredDevice;

  before(async () => {
    out = await pageOut('plan-software');
    await makeTinyArtifact(out);
    target = createBrowserTarget();
    const devices = await target.discover(targetContext(out, { browser: { browsers: ['chromium'] } }));
    const usable = devices.find((entry) => entry.usable);
    assert.ok(usable, `no usable Chromium: ${JSON.stringify(devices)}`);
    chromium = usable;
  });
  after(async () => {
    await target.dispose?.();
    await rm(out, { recursive: true, force: true });
  });

  test("this machine's Chromium reports SwiftShader for WebGL and WebGPU, and its statuses say software", () => {
    const status = new Map(chromium.runtimes.map((entry) => [entry.runtime, entry]));
    assert.match(chromium.device.gpu?.renderer ?? '', /SwiftShader/, 'the live WebGL renderer string');
    for (const runtime of ['tfjs-webgl', 'tfjs-webgpu', 'litert-webgpu']) {
      assert.equal(status.get(runtime)?.available, true, `${runtime} runs`);
      assert.match(status.get(runtime)?.software ?? '', /^software (renderer|adapter) \(SwiftShader\)$/, `${runtime} is marked software`);
    }
    for (const runtime of ['tfjs-wasm', 'tfjs-cpu', 'litert-wasm']) assert.equal(status.get(runtime)?.software, undefined, `${runtime} is no GPU runtime`);

    const lines = formatDevices([{ kind: 'browser', available: true, devices: [chromium] }]).map((line) => stripVTControlCharacters(line));
    assert.ok(lines.some((line) => /^\s+tfjs-webgl\s+available software \(software renderer \(SwiftShader\)/.test(line)), lines.join('\n'));
    assert.ok(lines.some((line) => /^\s+tfjs-wasm\s+available(?! software)/.test(line)), lines.join('\n'));
  });

  test('the default plan leaves the software runtimes out and says why; --backends tfjs-webgl puts it back, labelled', async () => {
    const { models } = await listArtifacts(out, ['tiny']);
    const active = [{ target, devices: [chromium] }];

    const plan = await planJobs(models, active, parseConfig({ out, models: ['tiny'] }), out);
    const planned = plan.jobs.map(({ job }) => job.runtime);
    assert.deepEqual([...planned].sort(), ['tfjs-wasm'], 'the Mobile artifact on wasm only');
    assert.deepEqual(plan.leftOut.map((entry) => entry.runtime).sort(), ['litert-webgpu', 'tfjs-cpu', 'tfjs-webgl', 'tfjs-webgpu']);
    const webgl = plan.leftOut.find((entry) => entry.runtime === 'tfjs-webgl')!;
    assert.equal(leftOutLine(webgl), `tfjs-webgl on ${chromium.device.name}: software renderer (SwiftShader), not a GPU; --backends tfjs-webgl to measure it anyway`);
    // The reference backend is no GPU, but no default run spends its seconds per image either.
    const cpu = plan.leftOut.find((entry) => entry.runtime === 'tfjs-cpu')!;
    assert.match(leftOutLine(cpu), new RegExp(`^tfjs-cpu on ${chromium.device.name}: TF\\.js's plain-JavaScript reference backend .*; --backends tfjs-cpu to measure it anyway$`));

    const asked = await planJobs(models, active, parseConfig({ out, models: ['tiny'], run: { backends: ['tfjs-webgl'] } }), out);
    assert.deepEqual(asked.jobs.map(({ job }) => job.runtime), ['tfjs-webgl']);
    assert.deepEqual(asked.leftOut, [], 'named: nothing left out with a line');
    assert.equal(asked.jobs[0]!.job.device.extra?.software, 'software renderer (SwiftShader)');
    assert.equal(chromium.device.extra?.software, undefined, 'the discovered device itself is not changed');
  });

  test('measured on request, the row says software-rendered in the record, the terminal summary and the report', async () => {
    const { record, lines } = await browserRun();
    assert.equal(record.failures.length, 0, JSON.stringify(record.failures));
    const measurement = record.measurements.find((entry) => entry.key.runtime === 'tfjs-webgl');
    assert.equal(measurement?.device.extra?.software, 'software renderer (SwiftShader)');
    assert.equal(record.measurements.find((entry) => entry.key.runtime === 'tfjs-cpu')?.device.extra?.software, undefined, 'the CPU runtime beside it is not labelled');
    assert.ok(lines.some((line) => /tfjs-webgl \(software\)/.test(line)), 'the summary table marks it');
    assert.match(renderMarkdown(record), /tfjs-webgl — software renderer \(SwiftShader\)/);
  });
});
