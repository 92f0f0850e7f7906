/**
 * The A/B adaptive stop (`--max-processes`), on a scripted target whose
 * pairs are made up: a key decided by its first processes stops there, an
 * undecided one gets another A B B A block at a time until decided or the
 * budget is spent, every look tested at alpha / looks, and only the first
 * look evaluates.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { abLooks, runAb } from '../../harness/ab.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { hostDevice } from '../../harness/core/host.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { ProcessPairs } from '../../harness/core/paired.ts';
import type { PairJob, Target } from '../../targets/types.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';

let root: string;
before(async () => {
  root = await tempDir('ab-adaptive');
  await makeTinyArtifact(join(root, 'a'));
  await makeTinyArtifact(join(root, 'b'));
});
after(() => rm(root, { recursive: true, force: true }));

/** A process whose pairs all have B/A = ratio. */
const processOf = (ratio: number): ProcessPairs => ({ a: Array(10).fill(10), b: Array(10).fill(10 * ratio) });

/** A target whose i-th process (over all calls) has B/A = ratios(i); it records each call. */
function scripted(ratios: (index: number) => number, calls: { processes: number; evaluate: boolean | undefined }[]): Target {
  let index = 0;
  return {
    kind: 'node',
    discover: async () => [{ device: hostDevice(), usable: true, runtimes: [{ runtime: 'tfjs-cpu', format: 'tfjs', available: true }] }],
    run: async () => {
      throw new Error('an A/B run never runs plain jobs');
    },
    async runPair(pair: PairJob) {
      calls.push({ processes: pair.processes, evaluate: pair.b.kernel.evaluate });
      const processes = Array.from({ length: pair.processes }, () => processOf(ratios(index++)));
      return { ok: true, processes, design: 'in-process' };
    },
  };
}

const ab = (target: Target, maxProcesses?: number) =>
  runAb({
    config: parseConfig({ out: join(root, 'b'), models: ['tiny'], run: { targets: ['node'], backends: ['tfjs-cpu'] } }),
    log: memoryLogger(),
    out: join(root, 'b'),
    baseline: join(root, 'a'),
    cwd: root,
    processes: 4,
    ...(maxProcesses ? { maxProcesses } : {}),
    targets: { node: async () => target },
  });

test('looks: the first processes, then one block of 4 at a time up to the budget', () => {
  assert.deepEqual([abLooks(4, undefined), abLooks(4, 4), abLooks(4, 8), abLooks(4, 13), abLooks(2, 3)], [1, 1, 2, 4, 2]);
});

test('a key decided by its first processes stops there', async () => {
  const calls: { processes: number; evaluate: boolean | undefined }[] = [];
  // 20% slower in every process, spread ±1%: regressed at once.
  const outcome = await ab(scripted((index) => 1.2 + (index % 2 ? 0.01 : -0.01), calls), 16);
  assert.deepEqual(calls.map((call) => call.processes), [4]);
  assert.equal(outcome.verdict.keys[0]?.verdict, 'regressed');
  const saved = JSON.parse(await readFile(outcome.path, 'utf8')) as { looks: number; alphaPerLook: number };
  assert.deepEqual([saved.looks, saved.alphaPerLook], [4, 0.05 / 4]);
});

test('an undecided key gets blocks of 4 until decided or the budget is spent; only the first look evaluates', async () => {
  const calls: { processes: number; evaluate: boolean | undefined }[] = [];
  // About 6% slower with a wide spread across processes: 4 processes cannot tell, more can.
  const spread = [0.9, 1.22, 0.96, 1.16];
  const outcome = await ab(scripted((index) => spread[index % 4]!, calls), 16);
  assert.ok(calls.length >= 2, `more than one look: ${JSON.stringify(calls)}`);
  assert.deepEqual(calls.slice(1).map((call) => [call.processes, call.evaluate]), calls.slice(1).map(() => [4, false]));
  assert.notEqual(calls[0]?.evaluate, false, 'the first look evaluates');
  const total = calls.reduce((sum, call) => sum + call.processes, 0);
  assert.ok(total <= 16);
  assert.equal(outcome.verdict.keys[0]?.estimate?.processes, total);
  if (total < 16) assert.notEqual(outcome.verdict.keys[0]?.verdict, 'inconclusive', 'stopped early only once decided');

  const fixed: typeof calls = [];
  const once = await ab(scripted((index) => spread[index % 4]!, fixed));
  assert.deepEqual(fixed.map((call) => call.processes), [4], 'without a budget: exactly --processes');
  assert.equal(once.verdict.keys[0]?.verdict, 'inconclusive');
});
