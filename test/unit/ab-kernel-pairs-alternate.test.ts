/**
 * The kernel's pair mode on scripted sessions: A and B run once each per
 * loop iteration in a seeded order balanced two pairs at a time, their times paired by index,
 * minSamples counting pairs, and a failure naming its side and phase.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measurePair, SideError, type PairSide } from '../../targets/kernel/index.ts';
import type { EvalPack } from '../../harness/core/eval-pack.ts';
import type { KernelOptions } from '../../targets/kernel/types.ts';

const pack: EvalPack = { model: 'scripted', count: 1, height: 1, width: 1, images: new Uint8Array(3), labels: [0], files: ['0.png'], classNames: ['x', 'y'] };
const options: KernelOptions = { warmupIterations: 2, minSamples: 40, minTimeMs: 0, maxTimeMs: 10_000, batchSize: 1 };

/** A side whose every call busy-waits `ms` and logs its name; `failOn` throws on that call. */
function side(name: string, log: string[], ms: number, failOn?: { load?: boolean; call?: number }): PairSide {
  let calls = 0;
  return {
    pack,
    load: async () => {
      if (failOn?.load) throw new Error(`${name} will not load`);
      log.push(`load ${name}`);
      return {
        async run() {
          calls += 1;
          if (calls === failOn?.call) throw new Error(`${name} broke on call ${calls}`);
          log.push(name);
          const until = performance.now() + ms;
          while (performance.now() < until);
          return new Float32Array([0.5, 0.5]);
        },
        dispose() {},
      };
    },
  };
}

test('each loop iteration runs A and B once, in a seeded order that varies; the times pair up', async () => {
  const log: string[] = [];
  const result = await measurePair({ a: side('a', log, 0), b: side('b', log, 2), options, seed: 7, first: 'b' });
  assert.equal(result.a.length, 40);
  assert.equal(result.b.length, 40);
  // B waits 2 ms, A none: the pairs show it (all but a few a loaded machine preempts in the middle of A).
  const slowerB = result.a.filter((a, index) => result.b[index]! > a + 1.5).length;
  assert.ok(slowerB >= 36, `B slower in ${slowerB} of 40 pairs`);
  assert.deepEqual(log.slice(0, 2), ['load b', 'load a'], 'B loads first when asked');
  // first inference + 2 warm-ups in load order, then the loop: pairs of one a and one b, both orders seen.
  const loop = log.slice(2 + 3 * 2);
  assert.equal(loop.length, 80);
  const pairs = Array.from({ length: 40 }, (_, index) => loop.slice(index * 2, index * 2 + 2).join(''));
  assert.ok(pairs.every((pair) => pair === 'ab' || pair === 'ba'));
  assert.equal(pairs.filter((pair) => pair === 'ba').length, result.bFirst);
  // Balanced two pairs at a time: a position effect (the second run of a pair is faster) cancels in every process, whatever its seed.
  assert.equal(result.bFirst, 20);
  for (let index = 0; index < 40; index += 2) assert.notEqual(pairs[index], pairs[index + 1], `pairs ${index} and ${index + 1}: ${pairs.join(' ')}`);
  assert.ok(pairs.some((pair, index) => index % 2 === 0 && pair === 'ab') && pairs.some((pair, index) => index % 2 === 0 && pair === 'ba'), `which of two comes first varies: ${pairs.join(' ')}`);

  const again: string[] = [];
  await measurePair({ a: side('a', again, 0), b: side('b', again, 0), options, seed: 7, first: 'b' });
  assert.deepEqual(again.slice(8), loop, 'the same seed gives the same order');
});

test('a failure names its side and phase: B failing to load, A failing in the loop', async () => {
  await assert.rejects(
    measurePair({ a: side('a', [], 0), b: side('b', [], 0, { load: true }), options, seed: 1, first: 'a' }),
    (error: unknown) => error instanceof SideError && error.side === 'b' && error.phase === 'load' && /b will not load/.test(error.message),
  );
  await assert.rejects(
    measurePair({ a: side('a', [], 0, { call: 10 }), b: side('b', [], 0), options, seed: 1, first: 'a' }),
    (error: unknown) => error instanceof SideError && error.side === 'a' && error.phase === 'loop',
  );
});
