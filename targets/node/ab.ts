/**
 * An A/B measurement on the Node target: the pair (A and B alternated
 * iteration by iteration in one worker) repeated over fresh worker
 * processes, which side loads and warms first alternating A B B A, so drift
 * over time and any first-loaded advantage cancel too. Plain data out: the
 * paired times per process (harness/core/paired.ts turns them into a
 * ratio), or the first failure, naming its side.
 */
import type { ProcessPairs } from '../../harness/core/paired.ts';
import type { Evaluation } from '../../harness/core/record.ts';
import { abbaFirst } from '../kernel/paired.ts';
import { executePair, type ExecuteOptions } from './execute.ts';
import type { NodeJobSpec, PairOutcome } from './protocol.ts';

export interface NodeAbInput {
  a: NodeJobSpec;
  b: NodeJobSpec;
  /** Fresh worker processes (≥ 1; ≥ 2 for an across-process interval). */
  processes: number;
  /** Process i orders its pairs with seed + i. */
  seed: number;
  execute: ExecuteOptions;
}

/** The paired times of every process, and each side's evaluation (from the first process) when B's kernel evaluates. */
export type NodeAbOutcome = { ok: true; processes: ProcessPairs[]; bFirst: number; evaluation?: Record<'a' | 'b', Evaluation | null> } | Extract<PairOutcome, { ok: false }>;

export async function measureAbOnNode(input: NodeAbInput): Promise<NodeAbOutcome> {
  if (!(Number.isInteger(input.processes) && input.processes >= 1)) throw new RangeError(`processes must be a positive integer, got ${input.processes}`);
  const processes: ProcessPairs[] = [];
  let bFirst = 0;
  let evaluation: NonNullable<PairOutcome & { ok: true }>['evaluation'];
  for (let index = 0; index < input.processes; index += 1) {
    // One process evaluates: accuracy on a fixed pack is the same in every one.
    const evaluate = index === 0 && input.b.kernel.evaluate !== false;
    const outcome = await executePair({ a: input.a, b: input.b, seed: input.seed + index, first: abbaFirst(index), evaluate }, input.execute);
    // A side that fails once fails the key: a flaky B is a regression too.
    if (!outcome.ok) return outcome;
    processes.push({ a: outcome.a, b: outcome.b });
    bFirst += outcome.bFirst;
    evaluation ??= outcome.evaluation;
  }
  return { ok: true, processes, bFirst, ...(evaluation ? { evaluation } : {}) };
}
