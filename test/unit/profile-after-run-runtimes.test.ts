/**
 * `bench run --profile` profiles the runtimes the run measured, named as
 * `bench profile` takes them: Node's by name, browsers' and phones' with
 * their target kind; runtimes no profile method reaches are left out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord } from '../../harness/core/record.ts';
import { profileRuntimesOf } from '../../harness/profile.ts';

const measured = (target: string, runtime: string) => ({ key: { target, runtime } }) as unknown as RunRecord['measurements'][number];

test('the run\'s measured runtimes, each once, in bench profile\'s names', () => {
  const record = {
    measurements: [
      measured('node', 'tfjs-wasm'),
      measured('node', 'tflite-node'),
      measured('node', 'tflite-node'),
      measured('node', 'tfjs-webgpu'),
      measured('browser', 'tfjs-wasm'),
      measured('browser', 'litert-wasm'),
      measured('android', 'tflite-benchmark-model'),
      measured('android', 'litert-webgpu'),
      measured('browser', 'tflite-benchmark-model'),
    ],
  };
  assert.deepEqual(profileRuntimesOf(record), ['tfjs-wasm', 'tflite-node', 'browser:tfjs-wasm', 'browser:litert-wasm', 'android:tflite-benchmark-model', 'android:litert-webgpu']);
});
