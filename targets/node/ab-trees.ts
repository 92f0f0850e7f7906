/**
 * An A/B measurement where A's code or packages are another tree's (a git
 * ref checked out with its own lockfile: harness/baseline-ref.ts), so A and
 * B cannot share a process: fresh worker processes alternate instead, A's
 * from its tree and B's from this one, the order A B B A, and each A process
 * is paired with the B process next to it. Plain data out, as ./ab.ts.
 *
 * The weaker design: a process's own state (placement, clocks, a
 * neighbour's load) no longer cancels inside a pair, so the spread across
 * process pairs is wider and more of them are needed; the verdict says
 * which design it came from.
 */
import type { ProcessPairs } from '../../harness/core/paired.ts';
import type { Evaluation } from '../../harness/core/record.ts';
import { abbaFirst } from '../kernel/paired.ts';
import { executeJob, type ExecuteOptions } from './execute.ts';
import type { NodeJobSpec } from './protocol.ts';
import type { NodeAbOutcome } from './ab.ts';

export interface NodeTreesAbInput {
  /** A's job as its tree's worker reads it (runtime modules in its tree). */
  a: NodeJobSpec;
  b: NodeJobSpec;
  /** A's tree's targets/node/worker.ts. */
  aWorker: string;
  /** Process pairs (each an A and a B process). */
  processes: number;
  execute: ExecuteOptions;
}

/** Each process's loop samples, paired index by index up to the shorter list (independent draws: their log-ratios' median is the shift). */
function pairUp(a: readonly number[], b: readonly number[]): ProcessPairs {
  const count = Math.min(a.length, b.length);
  return { a: a.slice(0, count), b: b.slice(0, count) };
}

export async function measureAbAcrossTrees(input: NodeTreesAbInput): Promise<NodeAbOutcome> {
  if (!(Number.isInteger(input.processes) && input.processes >= 1)) throw new RangeError(`processes must be a positive integer, got ${input.processes}`);
  const processes: ProcessPairs[] = [];
  let bFirst = 0;
  const evaluation: Record<'a' | 'b', Evaluation | null> = { a: null, b: null };
  for (let index = 0; index < input.processes; index += 1) {
    const order = abbaFirst(index) === 'a' ? (['a', 'b'] as const) : (['b', 'a'] as const);
    const samples: Partial<Record<'a' | 'b', number[]>> = {};
    for (const side of order) {
      // The first process pair evaluates each side (accuracy on a fixed pack is the same in every one).
      const evaluate = index === 0 && input[side].kernel.evaluate !== false;
      const spec = { ...input[side], kernel: { ...input[side].kernel, evaluate } };
      const outcome = await executeJob(spec, side === 'a' ? { ...input.execute, worker: input.aWorker } : input.execute);
      // A side that fails once fails the key, as in one process.
      if (!outcome.ok) return { ok: false, side, phase: outcome.phase, error: outcome.error };
      samples[side] = outcome.result.samples;
      if (evaluate) evaluation[side] = outcome.result.evaluation;
    }
    if (order[0] === 'b') bFirst += 1;
    processes.push(pairUp(samples.a!, samples.b!));
  }
  return { ok: true, processes, bFirst, ...(input.a.kernel.evaluate !== false || input.b.kernel.evaluate !== false ? { evaluation } : {}) };
}
