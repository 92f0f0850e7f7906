/**
 * Node `tfjs-webgpu` (Dawn, on Chromium's SwiftShader on this GPU-less host)
 * through the Node target. One file (one test process, ~1.5 s of startup each)
 * for what were six, each behaviour its own describe block with its own setup,
 * named after it, its comment saying what it checks. Discovery without an
 * adapter comes last: it names a missing Vulkan driver in this process's
 * environment while it runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { formatDevices, listDevices } from '../../harness/commands/devices.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { swiftShaderFallback } from '../../targets/node/dawn-env.ts';
import { createNodeTarget, DEFAULT_RUNTIME_MODULE } from '../../targets/node/index.ts';
import type { DiscoveredDevice, Target } from '../../targets/types.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { NETWORKS } from '../helpers/tflite-zoo.ts';
import { makeTinyReferenced } from '../helpers/tiny-referenced.ts';
import { tempDir } from '../helpers/tmp.ts';
import { webgpuSkip } from '../helpers/webgpu.ts';

/**
 * A Node target that discovers once: where a test asks discovery itself and
 * then runs (or lists devices, then runs), the run gets the same answer
 * instead of probing every runtime and asking Dawn for its adapter again
 * (two processes, ~2 CPU s at load, each time).
 */
function discoveringOnce(target: Target): Target {
  let devices: Promise<DiscoveredDevice[]> | undefined;
  return { ...target, discover: (context) => (devices ??= target.discover(context)) };
}

/**
 * The runs that name only tfjs-webgpu in --backends (the tiny model's, then
 * MobileNet's kernels) share one such target: the first test asks discovery
 * itself and holds its jobs against the answer; the kernels' test is about
 * the kernels, and its run gets the same answer rather than a probe of its own.
 */
const webgpuOnly = discoveringOnce(createNodeTarget());

/**
 * Node `tfjs-webgpu`, named in --backends, runs a model end to end through
 * the Node target: on this GPU-less host Dawn's adapter is Chromium's
 * SwiftShader, found by the harness itself. The measurement has the same
 * accuracy and full agreement with the TF.js `cpu` reference, its device
 * block names the adapter the job ran on, and its key holds the adapter.
 */
describe('tfjs-webgpu runs a model end to end', () => {
  let out: string;
  let tiny: TinyArtifact;

  before(async () => {
    out = await tempDir('node-webgpu-tiny');
    // With its agreement reference made (once per tier, by the harness's own code): what is checked is the job's agreement with it.
    tiny = await makeTinyReferenced(out);
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  test('tfjs-webgpu named in --backends: measured, accurate, agreeing with the reference, the adapter in the device block', { skip: webgpuSkip() }, async (t) => {
    const log = memoryLogger();
    const config = parseConfig({ out, models: ['tiny'], run: { targets: ['node'], backends: ['tfjs-webgpu'], rounds: 1, warmupIterations: 1, minSamples: 5, minTimeMs: 0, maxTimeMs: 20_000 } });
    const context = { config, log, out, signal: new AbortController().signal };
    // What discovery says about the adapter, to hold the job's own report against; the run is given the same discovery.
    const node = webgpuOnly;
    const [host] = await node.discover(context);
    const status = host!.runtimes.find((runtime) => runtime.runtime === 'tfjs-webgpu')!;
    assert.equal(status.available, true, status.reason);

    const { record } = await runBenchmarks({ config, log, out, targets: { node: async () => node } });
    assert.deepEqual(record.failures, []);
    assert.deepEqual(record.measurements.map((m) => m.key.runtime), ['tfjs-webgpu']);
    const [m] = record.measurements;
    assert.deepEqual(m!.key.options, { batch: 1, adapter: status.details!.adapter }, 'the adapter is in the key: a software run never compares with a GPU run');
    assert.ok(m!.samples.length >= 5 && m!.latency.min > 0, `${m!.samples.length} samples`);
    assert.equal(m!.evaluation?.images, tiny.images);
    assert.equal(m!.evaluation?.accuracy, tiny.accuracy, 'the accuracy the model has on TF.js cpu');
    // The reference is made once, on the fastest exact TF.js engine of the host (tfjs-wasm here).
    assert.match(m!.evaluation?.agreement?.reference ?? '', /^tfjs-(tensorflow|wasm|cpu)$/);
    t.diagnostic(`${m!.device.extra?.webgpuAdapter}: top-1 agreement ${m!.evaluation?.agreement?.top1}, max |Δp| ${m!.evaluation?.agreement?.maxAbsDiff.toExponential(2)}`);
    assert.equal(m!.evaluation?.agreement?.top1, 1);
    // GPU float paths may differ a little from the CPU: reported, and small.
    assert.ok(m!.evaluation!.agreement!.maxAbsDiff < 1e-4, `max |Δp| ${m!.evaluation!.agreement!.maxAbsDiff}`);

    // The device block: the adapter the job ran on, as discovery found it.
    const extra = m!.device.extra ?? {};
    assert.equal(extra.webgpuAdapter, `${status.details!.adapter} (${status.details!.description}, ${status.details!.backend})`);
    assert.equal(extra.webgpuBackend, status.details!.backend);
    assert.equal(extra.softwareAdapter, status.software !== undefined);
    assert.equal(m!.device.gpu?.vendor, status.details!.adapter!.split(' ')[0]);
    assert.equal(extra.node, process.version, 'the host facts stay');
    if (status.details!.vulkanDriver) {
      // No GPU here: the harness found Chromium's SwiftShader and the job's worker started with it.
      assert.match(status.details!.adapter!, /swiftshader/);
      assert.equal(`${extra.vulkanDriver} (found by the harness)`, status.details!.vulkanDriver);
    }
  });
});

/**
 * MobileNet's own kernels on Node `tfjs-webgpu` (Dawn on SwiftShader here)
 * agree with the TF.js reference: the zoo's mobilenet_v3_small_like
 * (strided and 5×5 depthwise convolutions, batch norms, ReLU6 inside
 * hard-swish, squeeze-excite, a residual add) through the Node target. What
 * this adds to node-webgpu-tiny.test.ts (which covers the path: discovery,
 * the adapter in the key and the device block, accuracy) is those kernels on
 * WebGPU. It ran the retrained mobilenet_v2 at 224 px before: one inference
 * on SwiftShader, a CPU pretending to be a GPU, took 15-30 s on this
 * project's 2-core machines, for kernels this 32 px network has too. Its run
 * takes the first test's discovery (the same --backends): the probe, Dawn's
 * adapter queries in processes of their own, is that test's subject.
 */
describe("MobileNet's kernels on tfjs-webgpu", () => {
  const MOBILENET = NETWORKS.find((network) => network.name === 'mobilenet_v3_small_like')!;
  let out: string;
  let mobilenet: TinyArtifact;

  before(async () => {
    out = await tempDir('node-webgpu-mobilenet');
    mobilenet = await makeTinyArtifact(out, { model: 'mobilenet', images: 4, build: MOBILENET.build });
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  test('MobileNet kernels on tfjs-webgpu: measured end to end, agreeing with the TF.js reference', { skip: webgpuSkip() }, async (t) => {
    const config = parseConfig({
      out,
      models: ['mobilenet'],
      run: { targets: ['node'], backends: ['tfjs-webgpu'], rounds: 1, warmupIterations: 0, minSamples: 1, minTimeMs: 0, maxTimeMs: 1 },
    });
    const { record } = await runBenchmarks({ config, log: memoryLogger(), out, targets: { node: async () => webgpuOnly } });
    assert.deepEqual(record.failures, []);
    assert.deepEqual(record.measurements.map((m) => [m.key.model, m.key.runtime]), [['mobilenet', 'tfjs-webgpu']]);
    const [m] = record.measurements;
    assert.ok(m!.latency.p50 > 0 && m!.loadMs > 0 && m!.firstInferenceMs > 0);
    assert.equal(m!.evaluation?.images, mobilenet.images);
    assert.equal(m!.evaluation?.accuracy, mobilenet.accuracy, 'the accuracy the network has on TF.js cpu');
    // The reference is made once, on the fastest exact TF.js engine of the host (tfjs-wasm here).
    assert.match(m!.evaluation?.agreement?.reference ?? '', /^tfjs-(tensorflow|wasm|cpu)$/);
    t.diagnostic(`${m!.device.extra?.webgpuAdapter}: p50 ${m!.latency.p50.toFixed(0)} ms, top-1 agreement ${m!.evaluation?.agreement?.top1}, max |Δp| ${m!.evaluation?.agreement?.maxAbsDiff.toExponential(2)}`);
    assert.equal(m!.evaluation?.agreement?.top1, 1, 'same top-1 class as the reference on every image');
    // float32 on a GPU path vs the CPU: small differences, reported.
    assert.ok(m!.evaluation!.agreement!.maxAbsDiff < 1e-3, `max |Δp| ${m!.evaluation!.agreement!.maxAbsDiff}`);
    assert.match(String(m!.device.extra?.webgpuAdapter), /\S/);
  });
});

/**
 * A GPU device lost mid-job (destroyed inside the measured loop, as a driver
 * reset would lose it) fails that job only, in the phase it happened in,
 * with WebGPU's reason; the next job runs. One round, and tfjs-cpu as the
 * other job: a second round and tfjs-wasm's start (its wasm compiled in each
 * worker, seconds at load) showed nothing more.
 */
describe('a device lost mid-job', () => {
  let out: string;

  before(async () => {
    out = await tempDir('node-webgpu-lost');
    await makeTinyReferenced(out);
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  test('a device lost in the loop fails that job in phase "loop"; the other job is measured', { skip: webgpuSkip() }, async () => {
    const config = parseConfig({
      out,
      models: ['tiny'],
      run: { targets: ['node'], backends: ['test-webgpu-device-lost', 'tfjs-cpu'], rounds: 1, warmupIterations: 1, minSamples: 8, minTimeMs: 0, maxTimeMs: 20_000, jobTimeoutMs: 120_000 },
    });
    const losing = new URL('../fixtures/node-webgpu-test-runtimes.ts', import.meta.url).href;
    const { record } = await runBenchmarks({ config, log: memoryLogger(), out, targets: { node: async () => createNodeTarget({ runtimeModules: [DEFAULT_RUNTIME_MODULE, losing] }) } });

    assert.equal(record.status, 'complete');
    assert.deepEqual(record.measurements.map((m) => m.key.runtime), ['tfjs-cpu']);
    assert.equal(record.failures.length, 1);
    const [failure] = record.failures;
    assert.equal(failure!.key.runtime, 'test-webgpu-device-lost');
    assert.equal(failure!.phase, 'loop');
    assert.equal(failure!.error.message, 'the WebGPU device was lost (destroyed): device was destroyed');
  });
});

/**
 * A software adapter stays out of the default plan: with no --backends,
 * tfjs-webgpu on SwiftShader is discovered, listed by `bench devices` as
 * software, left out of the run with one line saying why and how to include
 * it, and the other runtimes run as usual. `bench devices` and the run share
 * one discovery, and the run has one round.
 */
describe('a software adapter stays out of the default plan', () => {
  let out: string;

  before(async () => {
    out = await tempDir('node-webgpu-plan');
    await makeTinyReferenced(out);
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  test('the default plan leaves the software adapter out and says why; bench devices marks it software', { skip: webgpuSkip() }, async (t) => {
    const config = parseConfig({ out, models: ['tiny'], run: { targets: ['node'], rounds: 1, warmupIterations: 0, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000 } });
    const devicesLog = memoryLogger();
    const target = discoveringOnce(createNodeTarget());
    const [node] = await listDevices(['node'], { config, log: devicesLog, out, signal: new AbortController().signal }, { node: async () => target, browser: async () => assert.fail(), android: async () => assert.fail() });
    const status = node!.devices[0]!.runtimes.find((runtime) => runtime.runtime === 'tfjs-webgpu')!;
    assert.equal(status.available, true, status.reason);
    if (!status.software) return t.skip(`this host has a hardware adapter (${status.details?.adapter}): nothing to leave out`);
    assert.match(status.software, /^software adapter: google swiftshader is SwiftShader, which runs on the CPU$/);
    const line = formatDevices([node!]).map((entry) => stripVTControlCharacters(entry)).find((entry) => /^\s+tfjs-webgpu\s/.test(entry));
    assert.match(line ?? '', /available software \(software adapter: google swiftshader is SwiftShader, which runs on the CPU; runs only when named in --backends\) {2}adapter google swiftshader, description SwiftShader driver 5\.0\.0, backend Vulkan, /);

    const log = memoryLogger();
    const { record } = await runBenchmarks({ config, log, out, targets: { node: async () => target } });
    const runtimes = record.measurements.map((m) => m.key.runtime).sort();
    assert.ok(runtimes.includes('tfjs-wasm'), runtimes.join(', '));
    assert.ok(!runtimes.includes('tfjs-webgpu'), 'not measured');
    assert.ok(!record.failures.some((failure) => failure.key.runtime === 'tfjs-webgpu'), 'not planned, so not failed either');
    const leftOut = log.lines.filter((entry) => /tfjs-webgpu on .*: software adapter: google swiftshader is SwiftShader, which runs on the CPU, not a GPU; --backends tfjs-webgpu to measure it anyway$/.test(entry));
    assert.equal(leftOut.length, 1, `one line, no more: ${log.lines.join('\n')}`);
  });
});

/**
 * A process that ran a tfjs-webgpu session and disposed it exits by itself.
 * The webgpu package warns that Dawn keeps Node alive while its instance is
 * referenced; dispose destroys the device and removes navigator.gpu. (With
 * webgpu 0.6.2 on SwiftShader the process also exits without dispose, so
 * this holds the behaviour rather than proving which part gives it.) The
 * Node target's worker exits explicitly anyway; code that runs the runtime
 * in its own process, as the GPU-machine runner does, relies on this.
 */
describe('a process that used tfjs-webgpu exits by itself', () => {
  let out: string;
  let tiny: TinyArtifact;

  before(async () => {
    out = await tempDir('node-webgpu-exit');
    tiny = await makeTinyArtifact(out, { images: 2 });
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  const SCRIPT = `
  import { webgpuRuntime } from ${JSON.stringify(new URL('../../targets/node/webgpu.ts', import.meta.url).href)};
  const [artifactPath, metadataJson] = process.argv.slice(-2);
  const metadata = JSON.parse(metadataJson);
  const session = await webgpuRuntime.open({ artifactPath, metadata, threads: 1, batchSize: 1 });
  const probabilities = await session.run(new Uint8Array(metadata.inputSize * metadata.inputSize * 3).fill(128), 1);
  await session.dispose();
  console.log('ran', probabilities.length);
  `;

  test('after open, run and dispose, the process exits on its own with code 0', { skip: webgpuSkip() }, () => {
    const choice = swiftShaderFallback({ platform: process.platform, env: process.env, exists: existsSync });
    const env = { ...process.env, ...('fallback' in choice ? choice.fallback.env : {}) };
    const started = Date.now();
    // The tests' own loader, not tsx (~1 CPU s less): what is checked is Dawn's hold on the process.
    const result = spawnSync(process.execPath, ['--import', new URL('../ts-loader.js', import.meta.url).href, '--input-type=module', '-e', SCRIPT, '--', tiny.modelJsonPath, JSON.stringify(tiny.metadata)], { env, encoding: 'utf8', timeout: 90_000, cwd: process.cwd() });
    assert.equal(result.signal, null, `still running after ${Date.now() - started} ms: something keeps Node alive\n${result.stderr}`);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^ran 3$/m);
  });
});

/**
 * Discovery without a WebGPU adapter: with the Vulkan driver named by the
 * user (VK_ICD_FILENAMES) and missing, tfjs-webgpu is unavailable with a
 * reason that names the missing file and Dawn's own words, the harness does
 * not override the user's choice, and the run goes on with the others.
 */
describe('discovery without an adapter', () => {
  let out: string;
  let missing: string;

  before(async () => {
    out = await tempDir('node-webgpu-none');
    await makeTinyReferenced(out);
    missing = join(out, 'no-such-icd.json');
    // Inherited by the probe's worker and by Dawn's query process.
    process.env.VK_ICD_FILENAMES = missing;
  });
  after(() => {
    delete process.env.VK_ICD_FILENAMES;
    rmSync(out, { recursive: true, force: true });
  });

  test('no adapter: tfjs-webgpu unavailable, saying why; the run goes on', { skip: webgpuSkip() }, async () => {
    const config = parseConfig({ out, models: ['tiny'], run: { targets: ['node'], backends: ['tfjs-webgpu', 'tfjs-cpu'], rounds: 1, warmupIterations: 0, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000 } });
    const log = memoryLogger();
    const node = discoveringOnce(createNodeTarget());
    const [host] = await node.discover({ config, log, out, signal: new AbortController().signal });
    const status = host!.runtimes.find((runtime) => runtime.runtime === 'tfjs-webgpu')!;
    assert.equal(status.available, false);
    assert.equal(status.software, undefined);
    // Then Dawn's own words: which depend on the host (no Vulkan loader at all here; "Failed to open JSON file" where there is one).
    assert.ok(status.reason!.startsWith(`no WebGPU adapter: VK_ICD_FILENAMES names ${missing}, which does not exist (Dawn found no adapter (`), status.reason);
    assert.ok(!status.reason!.includes('\n'), 'one line');

    const { record } = await runBenchmarks({ config, log, out, targets: { node: async () => node } });
    assert.equal(record.status, 'complete');
    assert.deepEqual(record.measurements.map((m) => m.key.runtime), ['tfjs-cpu']);
    assert.deepEqual(record.failures, [], 'an unavailable runtime is not planned, so it does not fail');
    // Only the runtimes --backends names were probed.
    assert.ok(log.lines.some((line) => /^node .*: tfjs-cpu \(unavailable: tfjs-webgpu; see `bench devices`\)$/.test(line)), log.lines.join('\n'));
  });
});
