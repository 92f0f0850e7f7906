/**
 * The worker processes of an A/B block (up to 4, one A B B A) are started
 * together and load side by side; no process takes its turn (first
 * inference, warm-up, pairs) before every load of the block is done, the
 * turns come one at a time in process order, and the next block starts only
 * after the last turn of this one. A process that fails, loading or in its
 * turn, ends the key at once and every process still waiting is stopped.
 * (The real processes: test/e2e/ab-node-processes.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureAbOnNode, PARKED_BLOCK } from '../../targets/node/ab.ts';
import type { ParkedPair } from '../../targets/node/execute.ts';
import type { NodeJobSpec, NodePairSpec, PairOutcome } from '../../targets/node/protocol.ts';

const spec = { runtime: 'tfjs-cpu', runtimeModules: [], artifactPath: 'model.json', metadata: {}, evalPackDir: 'eval', kernel: { batchSize: 1, warmupIterations: 0, minSamples: 2, minTimeMs: 0, maxTimeMs: 1000 }, threads: 1 } as unknown as NodeJobSpec;
const execute = { isolate: true, timeoutMs: 1000 };
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Stand-in processes: each loads after `loadTicks`, and reports what happened, in order, to `events`. */
function processes(events: string[], fail: { load?: number; turn?: number } = {}) {
  let started = 0;
  return async (pair: NodePairSpec): Promise<ParkedPair> => {
    const index = started++;
    events.push(`start ${index} ${pair.first}${pair.evaluate ? ' evaluates' : ''}`);
    const ready = (async (): Promise<PairOutcome | undefined> => {
      // Later processes take longer to load: the first must still wait for them.
      for (let count = 0; count < 3 * (PARKED_BLOCK - (index % PARKED_BLOCK)); count += 1) await tick();
      if (fail.load === index) {
        events.push(`load failed ${index}`);
        return { ok: false, side: 'b', phase: 'load', error: { name: 'Error', message: `B did not load in ${index}` } };
      }
      events.push(`loaded ${index}`);
      return undefined;
    })();
    return {
      ready,
      run: async () => {
        events.push(`turn ${index}`);
        await tick();
        if (fail.turn === index) return { ok: false, side: 'a', phase: 'loop', error: { name: 'Error', message: `A broke in ${index}` } };
        events.push(`done ${index}`);
        return { ok: true, a: [1, 1], b: [2, 2], bFirst: 1 };
      },
      stop: () => events.push(`stop ${index}`),
    };
  };
}

test('a block loads side by side, then each process takes its turn alone; the next block after', async () => {
  const events: string[] = [];
  const outcome = await measureAbOnNode({ a: spec, b: spec, processes: 6, seed: 1, execute, park: processes(events) });
  assert.ok(outcome.ok && outcome.processes.length === 6);
  const at = (event: string) => events.indexOf(event);
  // Block 1: processes 0–3 (A B B A first), every load before the first turn; turns in order, each done before the next.
  assert.deepEqual(events.slice(0, 4), ['start 0 a evaluates', 'start 1 b', 'start 2 b', 'start 3 a']);
  for (const index of [0, 1, 2, 3]) assert.ok(at(`loaded ${index}`) < at('turn 0'), `process ${index} loaded before any turn`);
  for (const index of [0, 1, 2]) assert.ok(at(`done ${index}`) < at(`turn ${index + 1}`));
  // Block 2: processes 4–5 start only after block 1's last turn.
  assert.ok(at('done 3') < at('start 4 a'));
  assert.ok(at('loaded 5') < at('turn 4'));
  assert.equal(events.filter((event) => event.startsWith('turn')).length, 6);
});

test('a process that fails to load, or in its turn, ends the key at once and stops every waiting process', async () => {
  const loading: string[] = [];
  const notLoaded = await measureAbOnNode({ a: spec, b: spec, processes: 4, seed: 1, execute, park: processes(loading, { load: 2 }) });
  assert.ok(!notLoaded.ok && notLoaded.side === 'b' && notLoaded.error.message === 'B did not load in 2');
  assert.deepEqual(loading.filter((event) => event.startsWith('turn')), [], 'the key fails: no process times pairs for nothing');
  assert.deepEqual(loading.filter((event) => event.startsWith('stop')).sort(), ['stop 0', 'stop 1', 'stop 2', 'stop 3']);

  const inTurn: string[] = [];
  const broken = await measureAbOnNode({ a: spec, b: spec, processes: 4, seed: 1, execute, park: processes(inTurn, { turn: 1 }) });
  assert.ok(!broken.ok && broken.side === 'a' && broken.error.message === 'A broke in 1');
  assert.deepEqual(inTurn.filter((event) => event.startsWith('turn')), ['turn 0', 'turn 1']);
  assert.ok(inTurn.indexOf('stop 3') > inTurn.indexOf('turn 1'), 'the waiting processes are stopped after the failure');
  assert.deepEqual(inTurn.filter((event) => event.startsWith('stop')).sort(), ['stop 0', 'stop 1', 'stop 2', 'stop 3']);
});
