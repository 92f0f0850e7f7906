/**
 * What `npm run benchmark:all` prints for harness/shipped-estimates.ts: each
 * job of its cold run's record by runtime class (a browser's by its engine,
 * never its device id), all its rounds' wall time; read back by the cold
 * estimate, a Firefox job gets Firefox's figure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coldBasis, shippedJobFigures, shippedJobSeconds } from '../../harness/cold-estimate.ts';
import { parseConfig } from '../../harness/core/config.ts';
import type { DeviceInfo, Measurement, RunRecord } from '../../harness/core/record.ts';
import { SHIPPED } from '../../harness/shipped-estimates.ts';

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 6, 21, 0, seconds)).toISOString();
const firefox: DeviceInfo = { id: 'firefox-153', kind: 'browser', name: 'Firefox 153.8.0', browser: { name: 'firefox', version: '153.8.0' } };
const host: DeviceInfo = { id: 'host', kind: 'node', name: 'this host' };
const measurement = (artifact: string, device: DeviceInfo, runtime: string, rounds: [number, number][], extra: Partial<Measurement['key']> = {}): Measurement =>
  ({
    artifact,
    batchSize: extra.workload === 'retrain' ? 100 : 1,
    key: { model: 'mobilenet_v2', format: 'tflite', variant: 'float32', target: device.kind, device: device.id, runtime, ...extra },
    rounds: rounds.map(([start, end]) => ({ startedAt: at(start), finishedAt: at(end) })),
    startedAt: at(rounds[0]![0]),
    finishedAt: at(rounds.at(-1)![1]),
  }) as unknown as Measurement;
const record = {
  devices: [firefox, host],
  measurements: [
    // The device only in record.devices (a measurement's own copy is optional).
    measurement('mobilenet_v2/tflite/float32', firefox, 'litert-wasm', [[0, 3], [10, 12]]),
    measurement('mobilenet_v2/tflite/float32', host, 'tflite-node', [[3, 5], [12, 13]]),
    measurement('mobilenet_v2/tfjs/float32', host, 'tfjs-wasm', [[5, 9], [13, 16]], { format: 'tfjs', workload: 'retrain' }),
  ],
} as unknown as RunRecord;

test('figures by runtime class, a browser by its engine', () => {
  assert.deepEqual(shippedJobFigures(record), {
    'mobilenet_v2/tflite/float32@browser:firefox/litert-wasm#1': 5,
    'mobilenet_v2/tflite/float32@node/tflite-node#1': 3,
    'mobilenet_v2/tfjs/float32@node/tfjs-wasm#100+retrain': 7,
  });
});

test('read back: a Firefox job gets the figure, Chromium none', () => {
  const shipped = { ...SHIPPED, jobs: shippedJobFigures(record) };
  const config = parseConfig({ run: { rounds: SHIPPED.measured.rounds } });
  const basis = coldBasis({ probeMs: SHIPPED.probeMs, shipped });
  const job = { artifact: 'mobilenet_v2/tflite/float32', target: 'browser' as const, runtime: 'litert-wasm', batchSize: 1 };
  assert.equal(shippedJobSeconds({ ...job, engine: 'firefox' }, config, basis, shipped), 5);
  assert.equal(shippedJobSeconds({ ...job, engine: 'chromium' }, config, basis, shipped), undefined);
});
