/**
 * A and B in one process, timed alternately: the kernel's own phases (load,
 * first inference, warm-up, the tinybench loop and its bounds) run on a
 * session that is the pair, and each iteration of it runs A and B once each
 * in a seeded random order, timing each. Whatever state the process is in
 * (thread placement, clocks, a neighbour's load) then hits both sides of a
 * pair alike. The order is balanced two pairs at a time (one A-first, one
 * B-first, which comes first by the seed): the second run of a pair is
 * faster (20–40% on a 1 ms model at load 9–15, measured), and a
 * coin per pair let one seed put 9 of 12 pairs in one order, so that
 * position effect landed on one side in every run with that seed.
 * No Node APIs: this folder is bundled into the page too.
 *
 * minSamples and the time bounds count pairs. With `evaluate`, each side
 * is then evaluated on its own pack (and its own reference) after the loop,
 * so the verdict compares accuracy and agreement too; one process of a key
 * does it (accuracy on a fixed pack does not change between processes).
 */
import type { EvalPack } from '../../harness/core/eval-pack.ts';
import type { Evaluation, JobPhase } from '../../harness/core/record.ts';
import { batchPixels, evaluate, measure, PhaseError } from './measure.ts';
import type { InferenceSession, KernelOptions, ReferenceOutputs } from './types.ts';

export type Side = 'a' | 'b';

/** Which side loads and warms first in process (or page) `index`: A B B A, repeated, so a first-loaded advantage and drift cancel. */
export function abbaFirst(index: number): Side {
  return index % 4 === 0 || index % 4 === 3 ? 'a' : 'b';
}

/** A failure of one side: which side, in which phase. */
export class SideError extends Error {
  override name = 'SideError';
  constructor(
    readonly side: Side,
    readonly phase: JobPhase,
    override readonly cause: unknown,
  ) {
    super(`${side.toUpperCase()}: ${phase} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export interface PairSide {
  load: () => Promise<InferenceSession>;
  /** Its own pack: B may take another input size than A. */
  pack: EvalPack;
  /** Its own agreement reference, when evaluating. */
  reference?: ReferenceOutputs;
  /** False: this side's accuracy is known already (an earlier run's, reused): it is not evaluated again. */
  evaluate?: false;
}

export interface PairInput {
  a: PairSide;
  b: PairSide;
  options: KernelOptions;
  /** Seed of the per-pair order (each process its own). */
  seed: number;
  /** Which side loads and warms first in this process (alternated across processes: ABBA). */
  first: Side;
  /** Evaluate each side after the loop (options.evalLimit and the budget apply to each). */
  evaluate?: boolean;
  /**
   * Called once both sides are loaded, before the first inference: a process
   * started ahead of its turn waits here (loaded, idle) until the process
   * before it has finished, so that nothing runs beside a timed loop.
   */
  loaded?: () => Promise<void>;
  sampleRss?: () => number;
  onPhase?: (phase: JobPhase) => void;
}

export interface PairResult {
  /** Loop iteration times in ms, paired by index: a[i] and b[i] ran back to back. */
  a: number[];
  b: number[];
  /** How many pairs ran B first (half, or half of one pair less or more). */
  bFirst: number;
  loadMs: Record<Side, number>;
  /** Each side's accuracy (and agreement), when asked to evaluate. */
  evaluation?: Record<Side, Evaluation | null>;
}

/** mulberry32: a small seeded generator, enough for a coin per two pairs. */
function coin(seed: number): () => boolean {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 < 0.5;
  };
}

const now = () => performance.now();

/** Measures A against B in this process; throws a SideError naming the side and phase that failed. */
export async function measurePair(input: PairInput): Promise<PairResult> {
  const { options } = input;
  const sides: Side[] = input.first === 'a' ? ['a', 'b'] : ['b', 'a'];
  const sessions: Partial<Record<Side, InferenceSession>> = {};
  const pixels = { a: batchPixels(input.a.pack, 0, options.batchSize, input.a.pack.count), b: batchPixels(input.b.pack, 0, options.batchSize, input.b.pack.count) };
  const times: Record<Side, number[]> = { a: [], b: [] };
  const loadMs: Record<Side, number> = { a: 0, b: 0 };
  const flip = coin(input.seed);
  let loopPairs = 0;
  let lastBFirst = false;
  // Pairs 2k and 2k+1 run in opposite orders, the first of them by the coin: every process's orders balance to within one pair.
  const bFirstNext = () => {
    lastBFirst = loopPairs % 2 === 0 ? flip() : !lastBFirst;
    loopPairs += 1;
    return lastBFirst;
  };
  let phase: JobPhase = 'setup';
  let bFirst = 0;

  const runSide = async (side: Side, batch: number) => {
    const started = now();
    try {
      const output = await sessions[side]!.run(pixels[side], batch);
      return { ms: now() - started, output };
    } catch (error) {
      throw new SideError(side, phase, error);
    }
  };
  const pair: InferenceSession = {
    async run(_pixels, batch) {
      // Before the loop every call is load order; in it the balanced seeded order above.
      const order: Side[] = phase === 'loop' ? (bFirstNext() ? ['b', 'a'] : ['a', 'b']) : sides;
      const taken: Partial<Record<Side, { ms: number; output: Float32Array }>> = {};
      for (const side of order) taken[side] = await runSide(side, batch);
      if (phase === 'loop') {
        if (order[0] === 'b') bFirst += 1;
        times.a.push(taken.a!.ms);
        times.b.push(taken.b!.ms);
      }
      // The kernel checks the output's shape against the pack: give it A's, whose pack it holds.
      return taken.a!.output;
    },
    // The sides outlive the kernel's loop: they are evaluated, then disposed, below.
    async dispose() {},
  };
  const disposeSides = async () => {
    for (const side of sides) await sessions[side]?.dispose();
  };

  try {
    await measure({
      load: async () => {
        for (const side of sides) {
          const started = now();
          try {
            sessions[side] = await input[side].load();
          } catch (error) {
            throw new SideError(side, 'load', error);
          }
          loadMs[side] = now() - started;
        }
        await input.loaded?.();
        return pair;
      },
      pack: input.a.pack,
      options: { ...options, evaluate: false },
      ...(input.sampleRss ? { sampleRss: input.sampleRss } : {}),
      onPhase: (next) => {
        phase = next;
        input.onPhase?.(next);
      },
    });
  } catch (error) {
    await disposeSides().catch(() => {});
    const cause = error instanceof PhaseError ? error.cause : error;
    if (cause instanceof SideError) throw cause;
    // Not one side's own call (the kernel's checks, a dispose): both.
    throw error;
  }
  let evaluation: PairResult['evaluation'];
  try {
    if (input.evaluate) {
      phase = 'evaluation';
      input.onPhase?.('evaluation');
      evaluation = { a: null, b: null };
      for (const side of sides) {
        if (input[side].evaluate === false) continue;
        const { pack, reference } = input[side];
        const classes = pack.classNames.length;
        try {
          evaluation[side] = (await evaluate(sessions[side]!, { load: input[side].load, pack, ...(reference ? { reference } : {}), options: { ...options, evaluate: true } }, classes))?.evaluation ?? null;
        } catch (error) {
          throw new SideError(side, 'evaluation', error);
        }
      }
    }
  } finally {
    await disposeSides().catch((error: unknown) => {
      throw new PhaseError('evaluation', new Error(`disposing the sessions failed: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
    });
  }
  return { a: times.a, b: times.b, bFirst, loadMs, ...(evaluation ? { evaluation } : {}) };
}
