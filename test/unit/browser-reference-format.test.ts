/**
 * The reference outputs the Node target writes (eval/reference.json) become
 * the one shape the page reads, named as on Node; malformed files are refused
 * with the path in the message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeReference } from '../../targets/page/reference.ts';
import { parseReference } from '../../targets/page/app/inputs.ts';

test('reference outputs for the page', async (t) => {
  await t.test("the Node target's reference file keeps its numbers and its runtime's name", () => {
    const nodeFile = { schema: 1, runtime: 'tfjs-cpu', artifact: 'm/tfjs/float32', sha256: 'x', images: 2, classes: 3, probabilities: [0.1, 0.2, 0.7, 0.5, 0.25, 0.25] };
    const reference = normalizeReference(nodeFile, '/out/models/m/eval/reference.json');
    assert.deepEqual(reference, { name: 'tfjs-cpu', images: 2, classes: 3, probabilities: nodeFile.probabilities });
    const forPage = parseReference(reference, 'url');
    assert.equal(forPage.probabilities.length, 6);
    assert.ok(Math.abs(forPage.probabilities[2]! - 0.7) < 1e-7);
  });

  await t.test('rows of numbers and base64 float32 are accepted', () => {
    assert.deepEqual(normalizeReference({ name: 'r', probabilities: [[1, 0], [0, 1], [0.5, 0.5]] }, 'p').probabilities, [1, 0, 0, 1, 0.5, 0.5]);
    const nested = normalizeReference({ probabilities: [[1, 0], [0, 1], [0.5, 0.5]] }, 'p');
    assert.equal(nested.images, 3);
    assert.equal(nested.classes, 2);
    const floats = new Float32Array([0.25, 0.75]);
    const base64 = Buffer.from(floats.buffer).toString('base64');
    assert.deepEqual(normalizeReference({ runtime: 'tfjs-cpu', images: 1, classes: 2, probabilities: base64 }, 'p').probabilities, [0.25, 0.75]);
  });

  await t.test('counts that do not add up are refused, naming the file', () => {
    assert.throws(() => normalizeReference({ images: 2, classes: 3, probabilities: [1, 2, 3] }, '/x/reference.json'), /\/x\/reference\.json: 3 probabilities do not make 2 images × 3 classes/);
    assert.throws(() => normalizeReference({ images: 1, classes: 1 }, '/x/reference.json'), /no probabilities/);
    assert.throws(() => parseReference({ name: 'r', images: 2, classes: 2, probabilities: [1] }, '/generated/r.json'), /expected 2 × 2 probabilities, found 1/);
  });
});
