/**
 * The rounds start with the job of the shortest estimate, so the first
 * number on screen comes as early as the plan allows; the other jobs keep
 * the plan's order, and jobs without an estimate are never moved.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quickestFirst } from '../../harness/run-jobs.ts';

test('the job of the shortest estimate goes first, the rest in plan order', () => {
  // Plan order as bench all makes it: tfjs-wasm's Mobile model (10.6 s) before tflite-node's float32 (3.8 s).
  assert.deepEqual(quickestFirst(4, [10.6, 3.8, 12.4, 3.9]), [1, 0, 2, 3]);
});

test('a tie keeps the earlier job; unknown estimates are skipped over, not taken for quick', () => {
  assert.deepEqual(quickestFirst(4, [undefined, 5, 2, 2]), [2, 0, 1, 3]);
});

test('no estimate at all: the plan order as it was', () => {
  assert.deepEqual(quickestFirst(3, [undefined, undefined, undefined]), [0, 1, 2]);
  assert.deepEqual(quickestFirst(0, []), []);
});
