/**
 * The order rounds are measured in: round-major (A B C A B C …) so a drift
 * of the machine spreads over every key; `shuffled` permutes each round with
 * its own seeded stream (the same seed, the same order); each round gets its
 * share of the warm-up and measuring time, and only round 1 evaluates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundKernel, scheduleRounds } from '../../harness/round-schedule.ts';

const jobs = ['A', 'B', 'C', 'D', 'E', 'F'];
const labels = (schedule: { job: string; round: number }[]) => schedule.map(({ job, round }) => `${job}${round}`);

test('interleaved: every job once per round, rounds in order, jobs in plan order', () => {
  assert.deepEqual(labels(scheduleRounds(['A', 'B', 'C'], { rounds: 3, order: 'interleaved', seed: 1 })), ['A1', 'B1', 'C1', 'A2', 'B2', 'C2', 'A3', 'B3', 'C3']);
  assert.deepEqual(labels(scheduleRounds(['A', 'B'], { rounds: 1, order: 'interleaved', seed: 1 })), ['A1', 'B1']);
  assert.deepEqual(scheduleRounds([], { rounds: 3, order: 'interleaved', seed: 1 }), []);
  assert.throws(() => scheduleRounds(['A'], { rounds: 0, order: 'interleaved', seed: 1 }), /positive integer/);
});

test('shuffled: each round a permutation of all jobs, rounds stay in order, reproducible by seed', () => {
  const schedule = scheduleRounds(jobs, { rounds: 4, order: 'shuffled', seed: 7 });
  assert.equal(schedule.length, 24);
  const perRound = [1, 2, 3, 4].map((round) => schedule.filter((entry) => entry.round === round).map((entry) => entry.job));
  for (const [index, order] of perRound.entries()) {
    assert.deepEqual([...order].sort(), jobs, `round ${index + 1} holds every job once`);
    assert.ok(schedule.slice(index * 6, index * 6 + 6).every((entry) => entry.round === index + 1), 'no round starts before the previous one ends');
  }
  // Six jobs have 720 orders: four rounds in the same order, or all in plan order, would mean no shuffling.
  assert.ok(new Set(perRound.map((order) => order.join(''))).size > 1, 'rounds get different orders');
  assert.ok(perRound.some((order) => order.join('') !== jobs.join('')));
  assert.deepEqual(scheduleRounds(jobs, { rounds: 4, order: 'shuffled', seed: 7 }), schedule, 'same seed, same order');
  assert.notDeepEqual(labels(scheduleRounds(jobs, { rounds: 4, order: 'shuffled', seed: 8 })), labels(schedule), 'another seed, another order');
});

test("a round's kernel: samples and time split across rounds, the whole warm-up in each (a fresh process); evaluation in round 1 only; one round unchanged", () => {
  const kernel = { warmupIterations: 5, minSamples: 20, minTimeMs: 2000, maxTimeMs: 20000, batchSize: 4, evalLimit: 40 };
  assert.equal(roundKernel(kernel, 1, 1), kernel);
  assert.deepEqual(roundKernel(kernel, 1, 3), { warmupIterations: 5, minSamples: 7, minTimeMs: 2000 / 3, maxTimeMs: 20000 / 3, batchSize: 4, evalLimit: 40, evaluate: true });
  assert.equal(roundKernel(kernel, 2, 3).evaluate, false);
  assert.equal(roundKernel(kernel, 3, 3).evaluate, false);
  assert.equal(roundKernel({ ...kernel, evaluate: false }, 1, 3).evaluate, false, 'a job that does not evaluate never does');
  assert.equal(roundKernel({ ...kernel, minSamples: 1, warmupIterations: 0 }, 1, 5).minSamples, 1);
  assert.equal(roundKernel({ ...kernel, minSamples: 1, warmupIterations: 0 }, 1, 5).warmupIterations, 0);
});
