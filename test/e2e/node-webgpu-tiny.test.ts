/**
 * Node `tfjs-webgpu`, named in --backends, runs a model end to end through
 * the Node target: on this GPU-less host Dawn's adapter is Chromium's
 * SwiftShader, found by the harness itself. The measurement has the same
 * accuracy and full agreement with the TF.js `cpu` reference, its device
 * block names the adapter the job ran on, and its key holds the adapter.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { createNodeTarget } from '../../targets/node/index.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';
import { webgpuSkip } from '../helpers/webgpu.ts';

let out: string;
let tiny: TinyArtifact;

before(async () => {
  out = await tempDir('node-webgpu-tiny');
  tiny = await makeTinyArtifact(out);
});
after(() => rmSync(out, { recursive: true, force: true }));

test('tfjs-webgpu named in --backends: measured, accurate, agreeing with the reference, the adapter in the device block', { skip: webgpuSkip() }, async (t) => {
  const log = memoryLogger();
  const config = parseConfig({ out, models: ['tiny'], run: { targets: ['node'], backends: ['tfjs-webgpu'], warmupIterations: 1, minSamples: 5, minTimeMs: 0, maxTimeMs: 20_000 } });
  const context = { config, log, out, signal: new AbortController().signal };
  // What discovery says about the adapter, to hold the job's own report against.
  const [host] = await createNodeTarget().discover(context);
  const status = host!.runtimes.find((runtime) => runtime.runtime === 'tfjs-webgpu')!;
  assert.equal(status.available, true, status.reason);

  const { record } = await runBenchmarks({ config, log, out });
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
