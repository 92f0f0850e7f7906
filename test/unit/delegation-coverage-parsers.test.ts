/**
 * Delegation coverage from what the runtimes print: the project's XNNPACK
 * plugin line (captured from tflite-node here: a float32 file fully taken, an
 * int8-dynamic one whose hybrid CONV_2D, DEPTHWISE_CONV_2D and
 * FULLY_CONNECTED it leaves), TFLite's own "Replacing …" line, and
 * benchmark_model's op profile (test/fixtures/benchmark-model/README.md says
 * where that output comes from).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseCoverage } from '../../targets/node/tflite-coverage.ts';
import { parseBenchmarkOpProfile } from '../../targets/android/benchmark-model-profile.ts';
import { kindOfOp } from '../../harness/core/layer-kind.ts';

// Captured from tflite-node (TFLite 2.9.0, the plugin asked with EDGEBENCH_XNNPACK_COVERAGE=1) on a 5-op file.
const FLOAT32 = 'INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\nedgebench-xnnpack-coverage: nodes=5 status=0 left= partitions=1\n';
const INT8_DYNAMIC = 'INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\nedgebench-xnnpack-coverage: nodes=5 status=0 left=3,4,9 partitions=2\n';

test('the plugin line: every op taken, or the ops left named from their builtin codes', () => {
  const full = parseCoverage(FLOAT32)!;
  assert.deepEqual([full.accelerated, full.total, full.partitions, full.left], [5, 5, 1, {}]);
  const hybrid = parseCoverage(INT8_DYNAMIC)!;
  assert.deepEqual([hybrid.accelerated, hybrid.total, hybrid.partitions], [2, 5, 2]);
  assert.deepEqual(hybrid.left, { CONV_2D: 1, DEPTHWISE_CONV_2D: 1, FULLY_CONNECTED: 1 });
});

test('TFLite\'s own line, with and without "out of M"; nothing when no delegate spoke', () => {
  const newer = parseCoverage('VERBOSE: Replacing 60 out of 66 node(s) with delegate (TfLiteXNNPackDelegate) node, yielding 3 partitions for subgraph 0.')!;
  assert.deepEqual([newer.accelerator, newer.accelerated, newer.total, newer.partitions], ['TfLiteXNNPackDelegate', 60, 66, 3]);
  assert.deepEqual(newer.left, { '(not named by TFLite)': 6 });
  const older = parseCoverage('INFO: Replacing 64 node(s) with delegate (TfLiteXNNPackDelegate) node, yielding 1 partitions.', 64)!;
  assert.deepEqual([older.accelerated, older.total, older.left], [64, 64, {}]);
  assert.equal(parseCoverage('INFO: Replacing 64 node(s) with delegate (TfLiteXNNPackDelegate) node, yielding 1 partitions.'), undefined, 'no total without the file');
  assert.equal(parseCoverage('INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n'), undefined);
});

test('benchmark_model\'s op profile: per-inference rows by name, the node-type summary, the delegate line', () => {
  const text = readFileSync(new URL('../fixtures/benchmark-model/op-profile-litert-xnnpack.txt', import.meta.url), 'utf8');
  const profile = parseBenchmarkOpProfile(text);
  assert.deepEqual(
    profile.rows.map((row) => [row.name, row.kind, row.ms]),
    [
      ['LiteRT::Run[buffer registration]/0', 'other', 0.018],
      ['Delegate/Static Reshape (NC):0', 'other', 0.004],
      ['Delegate/Fully Connected (NC, F32) GEMM:1', 'dense', 1.269],
      ['LiteRT::Run[Buffer sync]/0', 'other', 0.016],
    ],
  );
  assert.equal(profile.byType[0]!.type, 'Fully Connected (NC, F32) GEMM');
  assert.equal(profile.byType[0]!.percent, 97.09);
  assert.equal(profile.profiledAvgMs, 1.30719);
  assert.deepEqual([profile.coverage?.accelerated, profile.coverage?.total, profile.coverage?.partitions], [1, 1, 1]);
});

test('older tables with a [start] column and a logcat prefix read by header name', () => {
  const text = [
    'I tflite  : ============================== Run Order ==============================',
    'I tflite  : \t             [node type]\t          [start]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t[times called]\t[Name]',
    'I tflite  : \t                 CONV_2D\t            0.000\t    4.269\t    4.114\t 13.618%\t 13.618%\t     0.000\t        1\t[conv_0]',
    'I tflite  : \t       DEPTHWISE_CONV_2D\t            4.115\t    2.001\t    1.900\t  6.290%\t 19.908%\t     0.000\t        1\t[dw_1]',
    'I tflite  : ',
  ].join('\n');
  const profile = parseBenchmarkOpProfile(text);
  assert.deepEqual(profile.rows.map((row) => [row.name, row.kind, row.ms]), [['[conv_0]', 'conv', 4.114], ['[dw_1]', 'depthwise', 1.9]]);
});

test('one kind table for TFLite ops, TF.js kernels and XNNPACK operators', () => {
  assert.deepEqual(
    ['CONV_2D', 'FusedConv2D', 'Convolution (NHWC, F32) IGEMM', 'Convolution (NHWC, F32) DWConv', 'FusedDepthwiseConv2D', '_FusedMatMul', 'MEAN', 'Relu6', 'DEQUANTIZE', 'ADD', 'Static Reshape (NC)'].map(kindOfOp),
    ['conv', 'conv', 'conv', 'depthwise', 'depthwise', 'dense', 'pool', 'activation', 'quantize', 'other', 'other'],
  );
});
