/**
 * The cold estimate's speed probe runs one MobileNetV2 block on tflite-node
 * with XNNPACK, one thread (the kind of work the shipped figures time, and
 * the runtime SHIPPED.probeMs was taken on), and never times anything else:
 * without the plugin it says why and gives no figure. No timing assertions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probedColdBasis } from '../../harness/cold-estimate.ts';
import { PROBE_RUNTIME, probeGraph, speedProbe } from '../../harness/speed-probe.ts';
import { SHIPPED } from '../../harness/shipped-estimates.ts';
import { writeTflite } from '../../models/tflite/writer.ts';
import { floatInference, newInterpreter } from '../../targets/node/tflite.ts';

test('the probe is one inverted-residual block: 1×1 expand, 3×3 depthwise, 1×1 project, float32', () => {
  const graph = probeGraph();
  assert.deepEqual(graph.ops.map((op) => op.op), ['CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D']);
  assert.deepEqual(graph.tensors[graph.inputs[0]!]!.shape, [1, 16, 16, 64]);
  assert.deepEqual(graph.tensors[graph.ops[0]!.outputs[0]!]!.shape, [1, 16, 16, 384]);
  assert.deepEqual(graph.tensors[graph.outputs[0]!]!.shape, [1, 16, 16, 64]);
  assert.ok(graph.tensors.every((tensor) => tensor.dtype === 'float32'));
});

test('the block runs on tflite-node and gives finite, non-constant outputs', () => {
  const bytes = writeTflite(probeGraph());
  const { interpreter } = newInterpreter(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, 1);
  const input = Float32Array.from({ length: 16 * 16 * 64 }, (_, index) => ((index * 7) % 11) / 11);
  const [output] = floatInference(interpreter)(input);
  assert.equal(output!.length, 16 * 16 * 64);
  assert.ok(output!.every(Number.isFinite));
  assert.ok(new Set(output).size > 100, 'the block computes something');
});

test('the probe reads a positive finite time on the runtime it names, the one the shipped reference was taken on', async () => {
  const reading = await speedProbe();
  assert.ok('ms' in reading, `the probe did not run: ${'reason' in reading ? reading.reason : ''}`);
  assert.equal(reading.runtime, PROBE_RUNTIME);
  assert.equal(PROBE_RUNTIME, 'tflite-node (XNNPACK, 1 thread)');
  assert.ok(Number.isFinite(reading.ms) && reading.ms > 0, `${reading.ms} ms`);
});

test('the plan line names the probe and its factor is this host over the shipped reference', async () => {
  const basis = await probedColdBasis();
  assert.ok(Number.isFinite(basis.factor) && basis.factor > 0);
  assert.match(basis.line, new RegExp(`^cold estimates: figures shipped with edgebench \\(${SHIPPED.measured.cpu.replace(/[()]/g, '\\$&')}, ${SHIPPED.measured.date}\\), this CPU .* by a probe of tflite-node \\(XNNPACK, 1 thread\\)$`));
});

test('without the XNNPACK plugin the probe gives no figure and says why (it never times other kernels)', async () => {
  const reading = await speedProbe({ plugin: { reason: 'XNNPACK plugin not built (no C compiler "cc" on PATH); TFLite runs its builtin kernels' } });
  assert.deepEqual(reading, { reason: 'XNNPACK plugin not built (no C compiler "cc" on PATH)' });
});
