/**
 * An A/B measurement on the Node target: the pair (A and B alternated
 * iteration by iteration in one worker) repeated over fresh worker
 * processes, which side loads and warms first alternating A B B A, so drift
 * over time and any first-loaded advantage cancel too. Plain data out: the
 * paired times per process (harness/core/paired.ts turns them into a
 * ratio), or the first failure, naming its side.
 *
 * The processes of a block (up to 4: one A B B A) are started together and
 * load both models side by side, then wait, loaded and idle, each for its
 * turn; one at a time then takes its first inferences, warms up and times
 * its pairs. Starting a process and loading its models is most of what a
 * process costs besides its pairs (about 1 s of 3.5 on a quiet 2-core
 * machine); loading them side by side overlaps only those loads with each
 * other, never with a timed loop: a parked process uses no CPU (20 ms in
 * 10 s, measured), and the first inference waits until every load of the
 * block is done.
 */
import type { ProcessPairs } from '../../harness/core/paired.ts';
import type { Evaluation } from '../../harness/core/record.ts';
import { abbaFirst } from '../kernel/paired.ts';
import { parkPair, type ExecuteOptions, type ParkedPair } from './execute.ts';
import type { NodeJobSpec, PairOutcome } from './protocol.ts';

/** Processes started together, loaded side by side, then timed one at a time: one A B B A block, bounding the memory held by waiting processes. */
export const PARKED_BLOCK = 4;

export interface NodeAbInput {
  a: NodeJobSpec;
  b: NodeJobSpec;
  /** Fresh worker processes (≥ 1; ≥ 2 for an across-process interval). */
  processes: number;
  /** Process i orders its pairs with seed + i. */
  seed: number;
  execute: ExecuteOptions;
  /** Starts one process parked (default ./execute.ts's parkPair; tests pass a stand-in). */
  park?: typeof parkPair;
}

/** The paired times of every process, and each side's evaluation (from the first process; null for a side whose kernel does not evaluate). */
export type NodeAbOutcome = { ok: true; processes: ProcessPairs[]; bFirst: number; evaluation?: Record<'a' | 'b', Evaluation | null> } | Extract<PairOutcome, { ok: false }>;

export async function measureAbOnNode(input: NodeAbInput): Promise<NodeAbOutcome> {
  if (!(Number.isInteger(input.processes) && input.processes >= 1)) throw new RangeError(`processes must be a positive integer, got ${input.processes}`);
  const processes: ProcessPairs[] = [];
  let bFirst = 0;
  let evaluation: NonNullable<PairOutcome & { ok: true }>['evaluation'];
  const park = input.park ?? parkPair;
  for (let start = 0; start < input.processes; start += PARKED_BLOCK) {
    const indices = Array.from({ length: Math.min(PARKED_BLOCK, input.processes - start) }, (_, offset) => start + offset);
    const block: ParkedPair[] = [];
    try {
      for (const index of indices) {
        // One process evaluates (accuracy on a fixed pack is the same in every one), each side whose kernel does.
        const evaluate = index === 0 && (input.a.kernel.evaluate !== false || input.b.kernel.evaluate !== false);
        block.push(await park({ a: input.a, b: input.b, seed: input.seed + index, first: abbaFirst(index), evaluate }, input.execute));
      }
      // Every load of the block done (or failed) before any process takes its first inference.
      const ready = await Promise.all(block.map((parked) => parked.ready));
      for (const [offset, parked] of block.entries()) {
        // A side that fails once fails the key (a flaky B is a regression too): the first failure in process order, at once.
        const failed = ready.slice(offset).find((outcome) => outcome !== undefined && !outcome.ok);
        if (failed && !failed.ok) return failed;
        const outcome = ready[offset] ?? (await parked.run());
        if (!outcome.ok) return outcome;
        processes.push({ a: outcome.a, b: outcome.b });
        bFirst += outcome.bFirst;
        evaluation ??= outcome.evaluation;
      }
    } finally {
      // Whatever is still waiting (a failure ended the key, Ctrl-C): nobody will give it a turn.
      for (const parked of block) parked.stop();
    }
  }
  return { ok: true, processes, bFirst, ...(evaluation ? { evaluation } : {}) };
}
