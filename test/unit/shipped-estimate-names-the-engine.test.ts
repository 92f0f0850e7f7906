/**
 * A browser job's shipped estimate is its own engine's figure: a Firefox or
 * WebKit job is never estimated with Chromium's (the same wasm runs
 * 1.2-1.6× apart in the three), and an engine the figures lack is "unknown".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coldBasis } from '../../harness/cold-estimate.ts';
import { parseConfig } from '../../harness/core/config.ts';
import type { ArtifactInfo, DeviceInfo } from '../../harness/core/record.ts';
import { shippedEstimate } from '../../harness/dry-run.ts';
import type { PlannedJob } from '../../harness/plan.ts';
import { SHIPPED } from '../../harness/shipped-estimates.ts';
import type { Job, Target } from '../../targets/types.ts';

const config = parseConfig({ run: { rounds: SHIPPED.measured.rounds } });
const basis = coldBasis({ probeMs: SHIPPED.probeMs });
const artifact = { id: 'mobilenet_v2/tflite/float32' } as ArtifactInfo;
const planned = (device: DeviceInfo): PlannedJob => ({
  target: { kind: 'browser' } as Target,
  job: { artifact, device, runtime: 'litert-wasm', kernel: { batchSize: 1 } } as Job,
});
const browser = (id: string, name: string): DeviceInfo => ({ id, kind: 'browser', name, browser: { name: id.split('-')[0]!, version: '1' } });

test('Chromium, Firefox and WebKit each get their own figure', () => {
  const seconds = (device: DeviceInfo) => shippedEstimate(planned(device), config, basis).seconds;
  assert.equal(seconds(browser('chromium-156', 'Chromium 156')), SHIPPED.jobs['mobilenet_v2/tflite/float32@browser:chromium/litert-wasm#1']);
  assert.equal(seconds(browser('firefox-153', 'Firefox 153')), SHIPPED.jobs['mobilenet_v2/tflite/float32@browser:firefox/litert-wasm#1']);
  assert.equal(seconds(browser('webkitgtk-2.50', 'WebKitGTK 2.50')), SHIPPED.jobs['mobilenet_v2/tflite/float32@browser:webkit/litert-wasm#1']);
  assert.notEqual(seconds(browser('firefox-153', 'Firefox 153')), seconds(browser('chromium-156', 'Chromium 156')));
});

test('a browser of no known engine is not estimated', () => {
  assert.deepEqual(shippedEstimate(planned(browser('ladybird-1', 'Ladybird 1')), config, basis), { seconds: undefined, source: 'unknown' });
});
