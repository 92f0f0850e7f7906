/**
 * `bench all` measures the first model's Mobile and float32 artifacts before
 * its other variants convert: the batches it converts and measures, in order,
 * and which artifacts each batch measures.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelArtifacts } from '../../harness/artifacts.ts';
import type { ArtifactInfo } from '../../harness/core/record.ts';
import { inBatch, variantBatches, withArtifacts } from '../../harness/stream-batches.ts';

test('float32 is converted first, the other variants after, each in the config order', () => {
  assert.deepEqual(variantBatches(['int8', 'float16', 'float32', 'int8-dynamic']), [['float32'], ['int8', 'float16', 'int8-dynamic']]);
  assert.deepEqual(variantBatches(['float32']), [['float32']]);
  // Without float32 the first batch is the Mobile artifact alone.
  assert.deepEqual(variantBatches(['int8']), [[], ['int8']]);
  assert.deepEqual(variantBatches([]), [[]]);
});

const artifact = (format: 'tfjs' | 'tflite', variant: ArtifactInfo['variant']) => ({ id: `m/${format}/${variant}`, format, variant }) as ArtifactInfo;

test('the first batch measures the Mobile artifact and its variants; a later batch only its own variants', () => {
  const model = { model: 'm', metadata: {}, artifacts: [artifact('tfjs', 'float32'), artifact('tflite', 'float32'), artifact('tflite', 'int8'), artifact('tflite', 'float16')] } as unknown as ModelArtifacts;
  const ids = (models: ModelArtifacts[]) => models.flatMap((entry) => entry.artifacts.map((found) => found.id));
  assert.deepEqual(ids(withArtifacts([model], (found) => inBatch(found, ['float32'], true))), ['m/tfjs/float32', 'm/tflite/float32']);
  assert.deepEqual(ids(withArtifacts([model], (found) => inBatch(found, ['int8', 'float16', 'int8-dynamic'], false))), ['m/tflite/int8', 'm/tflite/float16']);
  // A batch with nothing of a model leaves the model out (no empty plan, no "0 artifacts" line).
  assert.deepEqual(withArtifacts([model], (found) => inBatch(found, ['int8-dynamic'], false)), []);
});
