/**
 * `bench profile` end to end on Node, on the tiny fixture model: tfjs-wasm's
 * tf.profile rows are the model's layers and add up to within reach of its
 * p50; tflite-node's float32 and int8-dynamic files are attributed by prefix
 * models, with XNNPACK coverage (int8-dynamic's hybrid ops named as left);
 * the record holds the profiles and `bench report` renders them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ModelProfile } from '../../harness/core/profile.ts';
import { tinyModelFixture } from '../helpers/browser-fixture.ts';
import { bench } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

test('bench profile: tf.profile on tfjs-wasm, prefix attribution and coverage on tflite-node, rendered by bench report', async () => {
  const out = await tempDir('profile-command');
  await tinyModelFixture(out);
  const result = await bench(['profile', '--model', 'tiny', '--out', out, '--backends', 'tfjs-wasm,tflite-node', '--variants', 'float32,int8-dynamic', '--threads', '1', '--min-time', '100', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const { profiles, record } = JSON.parse(result.stdout) as { profiles: ModelProfile[]; record: string };
  const [tiny] = profiles;
  assert.equal(tiny!.model, 'tiny');
  assert.ok(tiny!.flops > 0);
  assert.deepEqual(tiny!.skipped, []);

  const wasm = tiny!.runtimes.find((entry) => entry.runtime === 'tfjs-wasm')!;
  assert.equal(wasm.method, 'tf.profile');
  assert.equal(wasm.timed, true);
  assert.deepEqual(wasm.rows.filter((row) => !row.name.startsWith('(')).map((row) => row.kind), ['conv', 'pool', 'dense']);
  assert.ok(wasm.sumMs! > 0 && wasm.p50Ms > 0 && wasm.ratio! > 0);

  const float32 = tiny!.runtimes.find((entry) => entry.runtime === 'tflite-node' && entry.variant === 'float32')!;
  assert.equal(float32.method, 'prefix-attribution');
  assert.match(float32.why!, /an attribution/);
  assert.equal(float32.rows.length, 3, 'the conv, the pool and the dense layer are blocks of their own');
  assert.equal(float32.coverage!.accelerated, float32.coverage!.total);
  const hybrid = tiny!.runtimes.find((entry) => entry.variant === 'int8-dynamic')!;
  assert.deepEqual(hybrid.coverage!.left, { CONV_2D: 1, FULLY_CONNECTED: 1 });

  const stored = JSON.parse(readFileSync(record, 'utf8')) as { profiles: ModelProfile[] };
  assert.equal(stored.profiles[0]!.runtimes.length, 3);
  const report = await bench(['report', '--out', out, '--format', 'md']);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /### Where the time goes/);
  assert.match(report.stdout, /tflite-node int8-dynamic \(prefix-attribution\).*left: CONV_2D, FULLY_CONNECTED/);
  const html = await bench(['report', '--out', out, '--output', join(out, 'r.html')]);
  assert.equal(html.code, 0, html.stderr);
  assert.match(readFileSync(join(out, 'r.html'), 'utf8'), /<section id="profiles"><h2>Where the time goes<\/h2>/);
});
