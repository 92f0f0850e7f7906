/**
 * A retrain measurement reads as what it is in the terminal table (the end
 * of `bench run` / `bench all`) and in the markdown summary: its own table
 * naming the workload and the training pack, extraction images/s, ms per
 * training step, time to retrain, and the accuracy with the evaluation
 * pack's size beside the host's; never an inference row ("batch 100", p50,
 * a bare accuracy that reads as a broken model); the CI dashboard JSON and
 * `bench compare` call its latency ms per step too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummary, retrainSummaryRows, summaryRows } from '../../reports/run-summary.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { toBenchmarkJson } from '../../reports/benchmark-json.ts';
import { compareRecords } from '../../reports/compare.ts';
import { fullReportRecord } from '../fixtures/full-report-record.ts';

const { record } = fullReportRecord();
const retrainCount = record.measurements.filter((entry) => entry.retrain).length;

test('the inference rows hold no retrain measurement; the retrain rows hold each', () => {
  assert.equal(summaryRows(record).length, record.measurements.length - retrainCount);
  assert.ok(summaryRows(record).every((row) => row.batch === 1));
  const rows = retrainSummaryRows(record);
  assert.equal(rows.length, retrainCount);
  const wasm = rows.find((row) => row.model === 'mobilenet_v2' && row.deviceId === 'host' && row.runtime === 'tfjs-wasm')!;
  assert.deepEqual([wasm.trainImages, wasm.evalImages, wasm.msPerStep, wasm.steps, wasm.accuracy, wasm.host?.accuracy], [10, 15, 28.9, 30, 0.2667, 0.2667]);
});

test('the terminal prints the retrain jobs in their own table, in their own units', () => {
  const lines = formatSummary(record);
  const title = lines.findIndex((line) => line.startsWith('retraining on the device'));
  assert.ok(title > 0, 'a retrain table below the inference table');
  const inference = lines.slice(0, title);
  assert.ok(inference.every((line) => !/batch 100|\b100\b.*tfjs-wasm/.test(line)), 'no batch-100 inference row');
  assert.equal(inference.filter((line) => line.startsWith('mobilenet_v2') || line.startsWith('inception_v3')).length, record.measurements.length - retrainCount);
  const header = lines[title + 1]!;
  for (const column of ['workload', 'extraction', 'ms/step', 'steps', 'retrain time', 'accuracy']) assert.ok(header.includes(column), `${column} in "${header}"`);
  assert.doesNotMatch(header, /\bp50\b|\bbatch\b/);
  const row = lines.slice(title + 3).find((line) => /^mobilenet_v2\s+host\s+tfjs-wasm\s/.test(line));
  assert.ok(row, lines.join('\n'));
  assert.match(row, /retrain, 10 images/);
  assert.match(row, /\b1\.1 img\/s\b/);
  assert.match(row, /\b28\.9 ms\b/);
  assert.match(row, /\b9\.95 s\b/);
  assert.match(row, /26\.7% of 15 images, host 26\.7%$/);
  const software = lines.slice(title + 3).find((line) => line.includes('tfjs-webgl'));
  assert.match(software!, /tfjs-webgl \(software\)/);
});

test('a run with only retrain jobs prints the retrain table and not "no measurements"', () => {
  const only = { ...record, measurements: record.measurements.filter((entry) => entry.retrain) };
  const lines = formatSummary(only);
  assert.match(lines[0]!, /^retraining on the device/);
  assert.ok(!lines.includes('no measurements'));
});

test('markdown gives the retrain jobs their own table with the same figures', () => {
  const text = renderMarkdown(record, { now: new Date(0) });
  const section = text.slice(text.indexOf('#### Retraining on each device'));
  assert.ok(section.length > 0 && text.includes('#### Retraining on each device'));
  assert.match(section, /\| model \| device \| backend \| training pack \| extraction \| ms per step \| time to retrain \| accuracy \|/);
  const line = section.split('\n').find((entry) => entry.includes('AMD EPYC') && entry.includes('| tfjs-wasm |') && entry.startsWith('| mobilenet\\_v2'));
  assert.ok(line, section);
  assert.equal(line, '| mobilenet\\_v2 | Linux 6.18.44-fc-v1272 x64 (AMD EPYC) | tfjs-wasm | 10 images | 1.1 images/s | 28.9 ms × 30 | 9.95 s | 26.7% of 15 images, host 26.7% |');
  // The per-model inference tables stay inference only.
  const before = text.slice(0, text.indexOf('#### Retraining on each device'));
  assert.doesNotMatch(before, /×100/);
});

test('in markdown, a model with retrain jobs only says its jobs are below, not "Nothing measured"', () => {
  const only = { ...record, measurements: record.measurements.filter((entry) => entry.retrain) };
  const text = renderMarkdown(only, { now: new Date(0) });
  assert.doesNotMatch(text, /Nothing measured/);
  assert.match(text, /#### mobilenet\\_v2[^\n]*\n\nNo inference job \(its retrain jobs are below\)\./);
});

test('the CI dashboard JSON names a retrain key ms/step, never p50', () => {
  const entries = toBenchmarkJson(record);
  const retrain = entries.filter((entry) => entry.name.includes('+retrain'));
  assert.ok(retrain.length > 0);
  assert.ok(retrain.every((entry) => !entry.name.endsWith(' p50')), retrain.map((entry) => entry.name).join(', '));
  const step = retrain.find((entry) => entry.name.endsWith(' ms/step'))!;
  assert.ok(step, retrain.map((entry) => entry.name).join(', '));
  assert.match(step.extra!, /^median of \d+ training steps; extraction [\d.]+ images\/s; time to retrain \d+ ms$/);
  // The inference keys keep their p50.
  assert.ok(entries.some((entry) => !entry.name.includes('+retrain') && entry.name.endsWith(' p50')));
});

test('bench compare says a retrain key changed its median ms per step, not its p50', () => {
  const retrain = record.measurements.find((entry) => entry.retrain)!;
  const slower = { ...retrain, latency: { ...retrain.latency, p50: retrain.latency.p50 * 2 }, samples: retrain.samples?.map((value) => value * 2), rounds: retrain.rounds?.map((round) => ({ ...round, samples: round.samples.map((value) => value * 2), latency: { ...round.latency, p50: round.latency.p50 * 2 } })) };
  const comparison = compareRecords({ ...record, measurements: [retrain] }, { ...record, runId: 'later', measurements: [slower] }, { threshold: 0.05, alpha: 0.01, accuracyDropPoints: 1, correction: 'holm' });
  assert.ok(comparison.comparable);
  const reason = comparison.entries[0]!.reasons.join('; ');
  assert.match(reason, /^median ms\/step [\d.]+ → [\d.]+ ms \(/);
  assert.doesNotMatch(reason, /\bp50\b/);
});
