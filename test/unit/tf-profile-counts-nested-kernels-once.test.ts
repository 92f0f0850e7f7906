/**
 * tf.profile's kernel list is flat: a fused op's custom-gradient scope
 * (`fusedConv2d__op`) is listed after the FusedConv2D kernel it ran, its time
 * including that kernel's. The profile counts each piece of work once (the
 * outermost entries, named after the kernel inside), so a profiled
 * inference's parts can never exceed its own wall time: the kernels at depth
 * 0 ran one after another inside it. Summing the flat list did (the conv
 * below dominates, so counting it twice overshoots the wall).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { outermost, profileTfjs } from '../../targets/kernel/tfjs-profile.ts';

test('outermost keeps depth-0 entries, named after the costliest kernel nested in them', () => {
  // As tf.profile listed a conv + dense model on tfjs-wasm (names, depths, ms).
  const listed = [
    { name: 'Slice', kernelTimeMs: 0.49 },
    { name: 'FusedConv2D', kernelTimeMs: 9.84 },
    { name: 'fusedConv2d__op', kernelTimeMs: 10.27 },
    { name: 'Relu', kernelTimeMs: 0.26 },
    { name: '_FusedMatMul', kernelTimeMs: 0.8 },
    { name: 'Reshape', kernelTimeMs: 0.02 },
    { name: 'fusedMatMul__op', kernelTimeMs: 1.03 },
  ];
  const kept = outermost(listed, [0, 1, 0, 0, 1, 1, 0]);
  assert.deepEqual(kept.map((kernel) => [kernel.name, kernel.kernelTimeMs, kernel.at]), [
    ['Slice', 0.49, 0],
    ['FusedConv2D', 10.27, 2],
    ['Relu', 0.26, 3],
    ['_FusedMatMul', 1.03, 6],
  ]);
  // Without depths (an engine that does not expose them) nothing is dropped.
  assert.equal(outermost(listed, []).length, listed.length);
});

test('a fused conv is one kernel of its layer, and the parts stay within the profiled wall time', async () => {
  await tf.setBackend('cpu');
  const input = tf.input({ shape: [48, 48, 8] });
  let x = tf.layers.conv2d({ name: 'conv', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ name: 'fc', units: 4 }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x });
  const image = tf.randomUniform([1, 48, 48, 8]);
  const infer = async () => {
    const output = model.predict(image) as tf.Tensor;
    await output.data();
    output.dispose();
  };
  await infer();
  try {
    // One run, so the sum and the wall time are of the same inference.
    const profile = await profileTfjs(tf, model, infer, new Map(), 1);
    const conv = profile.rows.find((row) => row.name === 'conv')!;
    assert.equal(conv.count, 1, 'the fused conv and its scope are one piece of work');
    const fc = profile.rows.find((row) => row.name === 'fc')!;
    // Its input's two reshapes and the fused matMul (the _FusedMatMul and Reshape run inside that scope are not counted again).
    assert.equal(fc.count, 3);
    assert.ok(profile.sumMs! > 0);
    assert.ok(profile.sumMs! <= profile.wallMs, `parts ${profile.sumMs} ms within the profiled inference's ${profile.wallMs} ms`);
  } finally {
    image.dispose();
    model.dispose();
  }
});
