/**
 * An A/B in pages where A's page is another tree's (./ab-bundle.ts): A's
 * code cannot share B's page, so fresh pages alternate, A's served from A's
 * bundle and wasm, B's from this tree's, the order A B B A across page pairs,
 * and each A page's loop samples are paired with the B page's beside it
 * (the Node target's design for a git ref: targets/node/ab-trees.ts).
 *
 * The host always opens the page server's one page URL, so the server's
 * mounts are switched to the side about to run before each page (pages run
 * one at a time on a host; responses are never cached) and put back to B's
 * afterwards, whatever happens.
 */
import type { ProcessPairs } from '../../harness/core/paired.ts';
import type { Evaluation } from '../../harness/core/record.ts';
import { abbaFirst } from '../kernel/paired.ts';
import type { PairJobResult } from '../types.ts';
import type { PageJob } from './app/protocol.ts';
import type { PageMounts } from './ab-bundle.ts';
import { hostOptions, type PageJobRun } from './job-flow.ts';
import type { StaticServer } from './server.ts';

export interface AlternatingPagesInput {
  /** Each side's plain page job (its files already on the server). */
  jobs: Record<'a' | 'b', PageJob>;
  /** What the server serves for each side. */
  mounts: Record<'a' | 'b', PageMounts>;
  /** Page pairs (each an A and a B page). */
  processes: number;
  server: StaticServer;
}

function mount(server: StaticServer, mounts: PageMounts): void {
  for (const [prefix, dir] of Object.entries(mounts)) server.mount(prefix, dir);
}

/** Each page's loop samples, paired index by index up to the shorter list. */
function pairUp(a: readonly number[], b: readonly number[]): ProcessPairs {
  const count = Math.min(a.length, b.length);
  return { a: a.slice(0, count), b: b.slice(0, count) };
}

export async function runAlternatingPages(input: AlternatingPagesInput, run: PageJobRun): Promise<PairJobResult> {
  const processes: ProcessPairs[] = [];
  const evaluation: Record<'a' | 'b', Evaluation | null> = { a: null, b: null };
  const evaluates = input.jobs.a.kernel.evaluate !== false || input.jobs.b.kernel.evaluate !== false;
  try {
    for (let index = 0; index < input.processes; index += 1) {
      const order = abbaFirst(index) === 'a' ? (['a', 'b'] as const) : (['b', 'a'] as const);
      const samples: Partial<Record<'a' | 'b', number[]>> = {};
      for (const side of order) {
        // The first page pair evaluates each side (accuracy on a fixed pack is the same in every page).
        const evaluate = index === 0 && evaluates;
        const job: PageJob = { ...input.jobs[side], id: `${input.jobs[side].id}/ab${index}${side}`, kernel: { ...input.jobs[side].kernel, evaluate } };
        mount(input.server, input.mounts[side]);
        const result = await run.host.run(job, hostOptions(run));
        // A side that fails once fails the key, as in one page.
        if (!result.ok) return { ok: false, side, phase: result.phase, error: result.error };
        if (!('measurement' in result)) return { ok: false, side, phase: 'loop', error: { name: 'Error', message: `${run.where}: the ${side === 'a' ? "baseline's" : "this tree's"} page answered a plain job with pair times` } };
        samples[side] = result.measurement.samples;
        if (evaluate) evaluation[side] = result.measurement.evaluation;
      }
      processes.push(pairUp(samples.a!, samples.b!));
    }
  } finally {
    mount(input.server, input.mounts.b);
  }
  return { ok: true, processes, design: 'alternating processes', ...(evaluates ? { evaluation } : {}) };
}
