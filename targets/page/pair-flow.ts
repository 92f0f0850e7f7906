/**
 * An A/B job on a page host, the same for a desktop browser and a phone's:
 * A (the baseline's artifact) and B loaded in one fresh page and timed
 * alternately there, iteration by iteration (targets/kernel/paired.ts, run
 * by the page: ./app/main.ts), repeated over `processes` fresh pages whose
 * first side alternates A B B A. The first failure ends the key, naming its
 * side: a B that fails while A measures is a regression.
 */
import { serializeError } from '../../harness/core/record.ts';
import type { ProcessPairs } from '../../harness/core/paired.ts';
import { abbaFirst } from '../kernel/paired.ts';
import type { PageJob } from './app/protocol.ts';
import type { PairJob, PairJobResult } from '../types.ts';
import { hostOptions, preparedPageJob, type PageJobRun } from './job-flow.ts';

export async function runPagePair(pair: PairJob, run: PageJobRun): Promise<PairJobResult> {
  if (pair.baselineTree) return { ok: false, side: 'both', phase: 'setup', error: serializeError(new Error(`${run.where}: a baseline at another commit needs its own page bundle, which is not built yet (A/B against a git ref runs on the node target; give an out folder for pages)`)) };
  // The runtime, its settings and the browser are B's key's, and so A's: a problem there is both sides'.
  let b: PageJob;
  try {
    b = await preparedPageJob(pair.b, run);
  } catch (error) {
    return { ok: false, side: 'both', phase: 'setup', error: serializeError(error) };
  }
  let a: PageJob;
  try {
    a = await preparedPageJob(pair.a, run);
  } catch (error) {
    return { ok: false, side: 'a', phase: 'setup', error: serializeError(error) };
  }
  const processes: ProcessPairs[] = [];
  let evaluation: (PairJobResult & { ok: true })['evaluation'];
  const sideA = { artifactUrl: a.artifactUrl, model: a.model, packUrl: a.packUrl, ...(a.referenceUrl ? { referenceUrl: a.referenceUrl } : {}) };
  for (let index = 0; index < pair.processes; index += 1) {
    // The first page evaluates both sides: accuracy on a fixed pack is the same in every page.
    const evaluate = index === 0 && b.kernel.evaluate !== false;
    const job: PageJob = { ...b, id: `${b.id}/ab${index}`, kernel: { ...b.kernel, evaluate }, pair: { a: sideA, seed: pair.seed + index, first: abbaFirst(index) } };
    const result = await run.host.run(job, hostOptions(run));
    if (!result.ok) return { ok: false, side: result.side ?? 'both', phase: result.phase, error: result.error };
    if (!('pairs' in result)) return { ok: false, side: 'both', phase: 'loop', error: serializeError(new Error(`${run.where}: the page answered an A/B job with a plain measurement (a page from before A/B?)`)) };
    processes.push({ a: result.pairs.a, b: result.pairs.b });
    evaluation ??= result.pairs.evaluation;
  }
  return { ok: true, processes, design: 'in-process', ...(evaluation ? { evaluation } : {}) };
}
