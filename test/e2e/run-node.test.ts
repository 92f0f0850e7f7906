/**
 * `runBenchmarks` on the Node target with real runtimes in real worker
 * processes (the accuracy check's jobs in this process: see its block). One file (one test process, ~1.5 s of startup each) for what
 * were three, each behaviour its own describe block with its own setup, named
 * after it, its comment saying what it checks.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../harness/cli.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { evalPackDir } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { computeLatencyStats } from '../../harness/core/stats.ts';
import { readRunRecord } from '../../harness/history.ts';
import { runBenchmarks, type RunOutcome } from '../../harness/run.ts';
import { retrainModels } from '../../models/retrain.ts';
import { compareRecords } from '../../reports/compare.ts';
import { DEFAULT_RUNTIME_MODULE } from '../../targets/node/index.ts';
import { installedReferenceEngines } from '../../targets/node/reference.ts';
import { FAILING_CALL } from '../fixtures/node-test-runtimes.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { nodeTargetProbedOnce } from '../helpers/node-target-once.ts';
import { saveTinyBackbone } from '../helpers/tiny-backbone.ts';
import { makeTinyReferenced } from '../helpers/tiny-referenced.ts';
import { tempDir } from '../helpers/tmp.ts';

// Discovery is no subject here: the file's runs share one Node target (and one with the misbehaving test runtimes),
// each probed once (test/helpers/node-target-once.ts: a probe was 4-8 s of wall, Dawn's adapter queries most of it).
const nodeTarget = nodeTargetProbedOnce();
const failingModule = new URL('../fixtures/node-test-runtimes.ts', import.meta.url).href;
// The hang's run and the failures' run name different runtimes: one probe of them all serves both (a probe of the test
// runtimes is a worker started from a bundle that holds their module, targets/node/worker-bundle.ts).
const withFailing = nodeTargetProbedOnce({ runtimeModules: [DEFAULT_RUNTIME_MODULE, failingModule] }, { probe: ['test-hangs-on-load', 'test-throws-in-loop', 'test-crashes', 'test-unavailable', 'tfjs-wasm'] });

/**
 * `runBenchmarks` on the Node target with a tiny Mobile artifact: a run on
 * tfjs-wasm and tfjs-cpu writes a complete record with sane values, and
 * runtimes that throw mid-loop or crash their process become failure
 * entries with their phase while the other jobs complete; one that hangs
 * fails at the job timeout.
 */
describe('a run on the Node target: the record, and jobs that fail alone', () => {
  let out: string;
  let hangOut: string;
  let tiny: TinyArtifact;
  let hang: Promise<RunOutcome>;

  // One round: these tests are about one job's process; rounds have their own test (below).
  const quick = { warmupIterations: 1, minSamples: 8, minTimeMs: 0, maxTimeMs: 10_000, rounds: 1 };
  // The hang fails only at its job timeout: its run starts first, in an out folder of its own, and waits beside the
  // tests below (it waited alone before, 12 s and more). Its worker idles once loaded, so the wait costs no CPU, and the
  // timeout can be generous: it counts from the worker's start, which loaded the test runtimes through tsx, and at
  // load 16 that took over 6 s (the job then failed in "setup", not "load").
  const HANG_TIMEOUT_MS = 20_000;

  before(async () => {
    out = mkdtempSync(join(tmpdir(), 'edgebench-run-'));
    hangOut = mkdtempSync(join(tmpdir(), 'edgebench-run-hang-'));
    // The hang's model with its reference made (the build cache's): made in this process, on tfjs-wasm, beside the
    // first test's own, two TF.js backends were set up at once and one reference fell back to tfjs-cpu.
    [tiny] = await Promise.all([makeTinyArtifact(out), makeTinyReferenced(hangOut)]);
    const config = parseConfig({ out: hangOut, models: ['tiny'], run: { targets: ['node'], backends: ['test-hangs-on-load'], jobTimeoutMs: HANG_TIMEOUT_MS, ...quick } });
    hang = runBenchmarks({ config, log: memoryLogger(), out: hangOut, targets: withFailing, referenceInProcess: true });
    // Awaited by its test; a rejection before then is not unhandled.
    hang.catch(() => {});
  });
  after(async () => {
    await hang?.catch(() => {});
    rmSync(out, { recursive: true, force: true });
    rmSync(hangOut, { recursive: true, force: true });
  });

  test('wasm and cpu: a complete record with sane values, accuracy as trained, full agreement', async () => {
    const log = memoryLogger();
    const config = parseConfig({ out, models: ['tiny'], run: { targets: ['node'], backends: ['tfjs-wasm', 'tfjs-cpu'], ...quick } });
    // The reference made in this process (by the same ensureReference, on the same engine) rather than in a worker of its
    // own: the hang's run and the retrain below load TF.js here anyway, and a worker's start is ~1.5 CPU s.
    const { recordPath, record, runId } = await runBenchmarks({ config, log, out, targets: nodeTarget, referenceInProcess: true });

    const onDisk = JSON.parse(readFileSync(recordPath, 'utf8')) as RunRecord;
    assert.deepEqual(onDisk, JSON.parse(JSON.stringify(record)), 'the file holds the final record');
    assert.equal(onDisk.schema, 1);
    assert.equal(onDisk.runId, runId);
    assert.match(runId, /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-f]{6}$/);
    assert.equal(onDisk.status, 'complete');
    assert.ok(onDisk.finishedAt && onDisk.finishedAt >= onDisk.startedAt);
    assert.ok(onDisk.host.cores > 0 && onDisk.host.memoryBytes > 0 && onDisk.host.node === process.version && onDisk.host.cpu.length > 0);
    assert.match(onDisk.git?.commit ?? '', /^[0-9a-f]{40}$/, 'run inside the repository: the commit is kept');
    assert.equal((onDisk.config as { run: { minSamples: number } }).run.minSamples, 8);

    // The artifact: bytes and sha256 over model.json + weights.bin, computed independently here.
    const files = [tiny.modelJsonPath, join(tiny.modelJsonPath, '..', 'weights.bin')];
    const sha = createHash('sha256');
    for (const file of files) sha.update(readFileSync(file));
    assert.deepEqual(onDisk.artifacts.map((artifact) => artifact.id), ['tiny/tfjs/float32']);
    const artifact = onDisk.artifacts[0]!;
    assert.equal(artifact.bytes, files.reduce((sum, file) => sum + statSync(file).size, 0));
    assert.equal(artifact.sha256, sha.digest('hex'));
    assert.ok(artifact.gzipBytes > 0 && artifact.gzipBytes < artifact.bytes);
    assert.equal(onDisk.training[0]?.testAccuracy, tiny.accuracy);
    assert.deepEqual(onDisk.devices.map((device) => [device.id, device.kind]), [['host', 'node']]);

    assert.deepEqual(onDisk.failures, []);
    assert.deepEqual(onDisk.measurements.map((measurement) => measurement.key.runtime).sort(), ['tfjs-cpu', 'tfjs-wasm']);
    for (const measurement of onDisk.measurements) {
      const what = measurement.key.runtime;
      assert.deepEqual({ ...measurement.key, runtime: 'x' }, { model: 'tiny', format: 'tfjs', variant: 'float32', target: 'node', device: 'host', runtime: 'x', options: { batch: 1 } });
      assert.ok(measurement.samples.length >= 8, `${what}: ${measurement.samples.length} samples`);
      assert.equal(measurement.latency.samples, measurement.samples.length);
      assert.ok(measurement.latency.min <= measurement.latency.p50 && measurement.latency.p50 <= measurement.latency.p99 && measurement.latency.p99 <= measurement.latency.max, what);
      assert.ok(measurement.latency.min > 0, `${what}: a real inference takes time`);
      assert.ok(Math.abs(measurement.throughput - 1000 / measurement.latency.mean) < 1e-9);
      assert.ok(measurement.loadMs > 0 && measurement.firstInferenceMs > 0);
      assert.equal(measurement.warmup.iterations, 1);
      assert.ok((measurement.memory.peakRssBytes ?? 0) > 20 * 2 ** 20, `${what}: peak RSS ${measurement.memory.peakRssBytes}`);
      assert.ok((measurement.memory.runtimeTensors ?? 0) >= 4, `${what}: the model's weights are tensors`);
      assert.equal(measurement.evaluation?.images, tiny.images);
      assert.equal(measurement.evaluation?.accuracy, tiny.accuracy, `${what}: accuracy equals the model's test accuracy`);
      assert.equal(measurement.evaluation?.agreement?.reference, installedReferenceEngines()[0], 'the fastest exact TF.js engine installed');
      assert.equal(measurement.evaluation?.agreement?.top1, 1, `${what}: same top-1 as the reference`);
      assert.ok(measurement.evaluation!.agreement!.maxAbsDiff < 1e-4, `${what}: max |Δp| ${measurement.evaluation!.agreement!.maxAbsDiff}`);
      assert.ok(measurement.startedAt <= measurement.finishedAt);
    }
    // The reference is cached beside the pack, keyed by the artifact's sha256.
    const reference = JSON.parse(readFileSync(join(evalPackDir(out, 'tiny'), 'reference.json'), 'utf8')) as { sha256: string; images: number; classes: number };
    assert.deepEqual([reference.sha256, reference.images, reference.classes], [artifact.sha256, tiny.images, 3]);
    assert.ok(log.lines.some((line) => line.includes('tfjs-wasm') && line.includes('83.3%')), 'the summary table is printed');
    assert.ok(log.lines.some((line) => line === `run record: ${recordPath}`));
  });

  test('a runtime throwing mid-loop and one crashing its process fail alone; the others complete', async () => {
    const log = memoryLogger();
    const config = parseConfig({
      out,
      models: ['tiny'],
      run: { targets: ['node'], backends: ['test-throws-in-loop', 'test-crashes', 'test-unavailable', 'tfjs-wasm'], evalLimit: 5, ...quick },
    });
    const { record } = await runBenchmarks({ config, log, out, targets: withFailing });

    assert.equal(record.status, 'complete');
    assert.deepEqual(record.measurements.map((measurement) => measurement.key.runtime), ['tfjs-wasm'], record.failures.map((failure) => `${failure.key.runtime} in ${failure.phase}: ${failure.error.message}`).join('\n'));
    assert.equal(record.measurements[0]!.evaluation?.images, 5, 'evalLimit: the first 5 images');
    assert.equal(record.measurements[0]!.evaluation?.agreement?.top1, 1, 'the cached 12-image reference serves a 5-image evaluation');
    const byRuntime = new Map(record.failures.map((failure) => [failure.key.runtime, failure]));
    assert.deepEqual([...byRuntime.keys()].sort(), ['test-crashes', 'test-throws-in-loop']);

    const thrown = byRuntime.get('test-throws-in-loop')!;
    assert.equal(thrown.phase, 'loop');
    assert.equal(thrown.error.message, `injected failure on inference ${FAILING_CALL}`);
    assert.equal(thrown.artifact, 'tiny/tfjs/float32');
    assert.equal(thrown.key.device, 'host');

    const crashed = byRuntime.get('test-crashes')!;
    assert.equal(crashed.phase, 'first-inference');
    assert.match(crashed.error.message, /killed by SIGKILL/);

    assert.ok(log.lines.some((line) => line.startsWith('failed: ') && line.includes('test-throws-in-loop') && line.includes('in loop')), 'failures are listed under the table');
    assert.ok(existsSync(join(out, 'runs', record.runId, 'run.json')));
  });

  // Its own run (started in before): the other jobs then have the default timeout (beside the hang they had its 15 s,
  // and at load 23 a tfjs-wasm job timed out in setup).
  test('a runtime that hangs on load fails at the job timeout, in phase load', async () => {
    const { record } = await hang;
    assert.deepEqual(record.measurements, []);
    const hung = record.failures.find((failure) => failure.key.runtime === 'test-hangs-on-load');
    assert.ok(hung, JSON.stringify(record.failures));
    assert.equal(hung.phase, 'load');
    assert.match(hung.error.message, new RegExp(`timed out after ${HANG_TIMEOUT_MS} ms`));
  });
});

/**
 * Accuracy measured by a run equals retraining's own test accuracy for the
 * same model: a tiny 32-px backbone retrained for real on a small generated
 * dataset (retraining tests its head on cached bottlenecks), then the whole
 * Mobile artifact benchmarked on tfjs-wasm and tfjs-cpu over the evaluation pack.
 * The jobs run in this process (the target's isolate: false, a user's option
 * too), where TF.js is loaded for the retrain already: the accuracy is the
 * kernel's, wherever it runs, and a worker's start was ~1.5 CPU s a job.
 */
describe("a run's accuracy is retraining's", () => {
  let root: string;

  before(async () => {
    root = await tempDir('run-retrained');
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('a run on wasm and cpu measures exactly the test accuracy retraining reported', async () => {
    const out = join(root, 'out');
    const config = parseConfig({
      out,
      models: ['tiny'],
      backbones: { tiny: await saveTinyBackbone(join(root, 'backbone')) },
      dataset: { imagesPerClass: 6, testPercent: 25 },
      retrain: { steps: 60, evalEvery: 20 },
      run: { targets: ['node'], backends: ['tfjs-wasm', 'tfjs-cpu'], minSamples: 5, minTimeMs: 0, warmupIterations: 1, rounds: 1 },
    });
    const log = memoryLogger('quiet');
    const retrained = await retrainModels({ config, log, out });
    assert.deepEqual(retrained.failures, []);
    const { training, dataset } = retrained.models[0]!.metadata;
    assert.ok(dataset.splits.test >= 4, `${dataset.splits.test} test images`);

    const { record } = await runBenchmarks({ config, log, out, targets: nodeTargetProbedOnce({ isolate: false }), referenceInProcess: true });
    assert.deepEqual(record.failures, []);
    assert.equal(record.training[0]?.testAccuracy, training.testAccuracy);
    assert.equal(record.measurements.length, 2);
    for (const measurement of record.measurements) {
      assert.equal(measurement.evaluation?.images, dataset.splits.test, `${measurement.key.runtime}: the whole test split`);
      assert.equal(measurement.evaluation?.accuracy, training.testAccuracy, `${measurement.key.runtime}: accuracy equals retraining's test accuracy`);
      assert.equal(measurement.evaluation?.agreement?.top1, 1);
      assert.ok(measurement.evaluation!.agreement!.maxAbsDiff < 1e-4, `${measurement.key.runtime}: max |Δp| ${measurement.evaluation!.agreement!.maxAbsDiff}`);
    }
  });
});

/**
 * Rounds end to end on real runtimes: `runBenchmarks` with rounds=2 on Node
 * (tfjs-wasm and tfjs-cpu, a tiny model) measures each job twice in fresh
 * worker processes, interleaved A B A B, pinned to a CPU, and writes every
 * round (its own samples, load and statistics) plus the run's conditions;
 * `bench compare` reads two such runs and decides on their rounds.
 */
describe('rounds on real runtimes', () => {
  let out: string;
  let tiny: TinyArtifact;

  before(async () => {
    out = mkdtempSync(join(tmpdir(), 'edgebench-rounds-'));
    tiny = await makeTinyArtifact(out);
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  const run = { targets: ['node'], backends: ['tfjs-wasm', 'tfjs-cpu'], rounds: 2, warmupIterations: 2, minSamples: 12, minTimeMs: 0, maxTimeMs: 10_000, cpus: [0], cooldownMs: 50 };

  test('rounds=2 on Node writes each round, interleaved, and compare decides on the rounds', async () => {
    const config = parseConfig({ out, models: ['tiny'], run });
    const first = await runBenchmarks({ config, log: memoryLogger('quiet'), out, targets: nodeTarget, referenceInProcess: true });
    const second = await runBenchmarks({ config, log: memoryLogger('quiet'), out, targets: nodeTarget, referenceInProcess: true });

    const record = await readRunRecord(first.recordPath);
    assert.deepEqual(record.failures, []);
    assert.deepEqual(record.conditions, { rounds: 2, order: 'interleaved', cooldownMs: 50, threads: record.conditions!.threads, affinity: { cpus: [0], applied: true } });
    assert.ok(record.conditions!.threads >= 1);
    const [wasm, cpu] = ['tfjs-wasm', 'tfjs-cpu'].map((runtime) => record.measurements.find((entry) => entry.key.runtime === runtime)!);
    for (const measurement of [wasm!, cpu!]) {
      const what = measurement.key.runtime;
      assert.equal(measurement.rounds?.length, 2, `${what}: two rounds`);
      assert.deepEqual(measurement.rounds!.map((round) => round.round), [1, 2]);
      for (const round of measurement.rounds!) {
        // Each round's share: ceil(12 / 2) samples; the whole warm-up (2) and a load of its own, as a fresh process.
        assert.ok(round.samples.length >= 6, `${what} round ${round.round}: ${round.samples.length} samples`);
        assert.deepEqual(round.latency, computeLatencyStats(round.samples));
        assert.equal(round.warmup.iterations, 2);
        assert.ok(round.loadMs > 0 && round.firstInferenceMs > 0);
      }
      assert.deepEqual(measurement.samples, measurement.rounds!.flatMap((round) => round.samples), 'the pooled samples are the rounds in order');
      assert.equal(measurement.evaluation?.images, tiny.images, 'evaluated once, in round 1');
      assert.equal(measurement.evaluation?.accuracy, tiny.accuracy);
    }
    // Interleaved: round 1 of both jobs before round 2 of either.
    const starts = [wasm!.rounds![0]!, cpu!.rounds![0]!, wasm!.rounds![1]!, cpu!.rounds![1]!].map((round) => round.startedAt);
    assert.deepEqual([...starts].sort(), starts, `rounds in order A1 B1 A2 B2: ${starts.join(', ')}`);

    // compare reads the rounds of both records.
    const comparison = compareRecords(record, await readRunRecord(second.recordPath), config.compare);
    assert.ok(comparison.comparable);
    assert.equal(comparison.entries.length, 2);
    for (const entry of comparison.entries) {
      assert.deepEqual(entry.latency!.rounds, { baseline: 2, current: 2 });
      assert.equal(entry.latency!.method, 'rounds');
      assert.ok(entry.latency!.pValue !== null && entry.latency!.adjustedP! >= entry.latency!.pValue!);
      assert.notEqual(entry.latency!.noise.floor, null);
      assert.equal(entry.accuracy.verdict, 'same');
    }
    assert.equal(comparison.family, 2);
    // The command on the same folder: the first run is the second's only earlier run, so the noise comes from the rounds.
    const code = await main(['compare', '--out', out, '--baseline', first.runId, second.runId, '--quiet']);
    assert.ok(code === 0 || code === 1, `the command compares the two runs (exit 0 or 1, not 2 or 3): exit ${code}`);
  });
});
