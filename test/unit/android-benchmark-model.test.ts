/**
 * The benchmark_model output parser and the Measurement fields built from
 * it, on published outputs of the tool (test/fixtures/fake-adb/benchmark-model).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { benchmarkModelFlags, parseBenchmarkModelOutput, parseStatLine } from '../../targets/android/benchmark-model.ts';
import { latencySource, measurementFields } from '../../targets/android/native.ts';

const output = (name: string) => readFileSync(new URL(`../fixtures/fake-adb/benchmark-model/${name}`, import.meta.url), 'utf8');

test('newer output: INFO prefixes, percentiles, memory footprint delta', () => {
  const parsed = parseBenchmarkModelOutput(output('xnnpack-percentiles.txt'));
  assert.equal(parsed.initUs, 614333);
  assert.equal(parsed.firstInferenceUs, 905463);
  assert.equal(parsed.inferenceAvgUs, 899641);
  assert.deepEqual(parsed.runs, { count: 50, first: 900416, curr: 898333, min: 898007, max: 906121, avg: 899641, std: 1549, p5: 898333, median: 899281, p95: 904305 });
  assert.equal(parsed.warmup?.count, 1);
  assert.deepEqual(parsed.footprintDeltaMb, { init: 146.363, overall: 150.141 });
  assert.equal(parsed.peakMemoryMb, undefined);
  assert.equal(parsed.modelSizeMb, 67.3128);
  assert.ok(parsed.delegateNotes.some((note) => note.startsWith('Created TensorFlow Lite XNNPACK delegate')));

  const fields = measurementFields(parsed);
  assert.equal(fields.loadMs, 614.333);
  assert.equal(fields.firstInferenceMs, 905.463);
  assert.deepEqual(fields.warmup, { iterations: 1, ms: 905.463 });
  assert.equal(fields.latency.samples, 50);
  assert.equal(fields.latency.mean, 899.641);
  assert.equal(fields.latency.p50, 899.281);
  assert.equal(fields.latency.p95, 904.305);
  assert.equal(fields.latency.p99, 906.121, 'p99 is bounded by the printed max');
  assert.equal(fields.latency.min, 898.007);
  assert.equal(fields.latency.sd, 1.549);
  // rme = t(49) × sd / √n / mean, in percent.
  assert.ok(Math.abs(fields.latency.rme - (100 * 2.0096 * 1.549) / Math.sqrt(50) / 899.641) < 1e-4);
  assert.deepEqual(fields.samples, []);
  assert.equal(fields.memory.runtimeBytes, Math.round(150.141 * 1024 * 1024));
  assert.equal(fields.memory.peakRssBytes, undefined);
  assert.ok(Math.abs(fields.throughput - 1000 / 899.641) < 1e-9);
  assert.equal(fields.evaluation, null);
  assert.match(latencySource(parsed.runs), /p50, p95 printed/);
});

test('older output without percentiles; op-profiling tables after the summary are ignored', () => {
  const parsed = parseBenchmarkModelOutput(output('op-profiling-old.txt'));
  assert.equal(parsed.runs.count, 50);
  assert.equal(parsed.runs.avg, 2.95034e6);
  assert.equal(parsed.runs.median, undefined);
  // `count=1 curr=…` (a single warm-up run) stands for every statistic.
  assert.deepEqual(parsed.warmup, { count: 1, curr: 3512391, first: 3512391, min: 3512391, max: 3512391, avg: 3512391, std: 0 });
  assert.equal(parsed.warmupAvgUs, 3.51239e6);
  const fields = measurementFields(parsed);
  assert.equal(fields.latency.p50, fields.latency.mean, 'without a median the mean stands in');
  assert.equal(fields.latency.p95, 3189.954, 'without p95 the max bounds it');
  assert.equal(fields.latency.max, 3189.954);
  assert.match(latencySource(parsed.runs), /p50 = mean/);
});

test('GPU delegate with periodic peak memory monitoring', () => {
  const parsed = parseBenchmarkModelOutput(output('gpu-peak-memory.txt'));
  assert.equal(parsed.warmup?.count, 13);
  assert.equal(parsed.runs.count, 1694);
  assert.equal(parsed.peakMemoryMb, 74.6641);
  const fields = measurementFields(parsed);
  assert.equal(fields.memory.peakRssBytes, Math.round(74.6641 * 1024 * 1024));
  assert.equal(fields.warmup.iterations, 13);
  assert.ok(Math.abs(fields.warmup.ms - 13 * 40.1998) < 1e-9);
  assert.ok(parsed.delegateNotes.some((note) => note.includes('TfLiteGpuDelegateV2')));
});

test('logcat-style prefixes are stripped', () => {
  const text = [
    'I tflite  : count=25 first=187533 curr=140990 min=140071 max=195121 avg=145528 std=13583 p5=140545 median=141253 p95=187533',
    'I tflite  : Inference timings in us: Init: 92318, First inference: 187533, Warmup (avg): 211669, Inference (avg): 145528',
    'I tflite  : Memory footprint delta from the start of the tool (MB): init=54.2852 overall=73.4102',
  ].join('\n');
  const parsed = parseBenchmarkModelOutput(text);
  assert.equal(parsed.runs.median, 141253);
  assert.equal(parsed.initUs, 92318);
  assert.equal(parsed.warmup, undefined);
  assert.deepEqual(parsed.footprintDeltaMb, { init: 54.2852, overall: 73.4102 });
});

test('a run that did not finish is an error quoting the tool', () => {
  assert.throws(() => parseBenchmarkModelOutput(output('model-missing.txt')), /benchmark_model did not report timings: .*Could not open '\/data\/local\/tmp\/edgebench\/missing.tflite'/);
  assert.throws(() => parseBenchmarkModelOutput(''), /did not report timings \(output ended early/);
});

test('statistics line variants', () => {
  assert.equal(parseStatLine('Timings (microseconds): count=1 curr=1356'), null);
  assert.deepEqual(parseStatLine('count=5 curr=100(all same)'), { count: 5, curr: 100, first: 100, min: 100, max: 100, avg: 100, std: 0 });
});

test('flags: XNNPACK, GPU and plain CPU', () => {
  const base = { graph: '/data/local/tmp/edgebench/m.tflite', threads: 4, warmupRuns: 5, numRuns: 20, minSecs: 2, maxSecs: 20 };
  const xnnpack = benchmarkModelFlags({ ...base, delegate: 'xnnpack' });
  assert.ok(xnnpack.includes('--use_xnnpack=true'));
  assert.ok(xnnpack.includes('--num_threads=4'));
  assert.ok(xnnpack.includes('--graph=/data/local/tmp/edgebench/m.tflite'));
  assert.ok(!xnnpack.some((flag) => flag.startsWith('--use_gpu')));
  const gpu = benchmarkModelFlags({ ...base, delegate: 'gpu' });
  assert.ok(gpu.includes('--use_gpu=true') && gpu.includes('--use_xnnpack=false'));
  assert.ok(benchmarkModelFlags({ ...base, delegate: 'none' }).includes('--use_xnnpack=false'));
});
