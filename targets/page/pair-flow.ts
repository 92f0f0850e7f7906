/**
 * An A/B job on a page host, the same for a desktop browser and a phone's:
 * A (the baseline's artifact) and B loaded in one fresh page and timed
 * alternately there, iteration by iteration (targets/kernel/paired.ts, run
 * by the page: ./app/main.ts), repeated over `processes` fresh pages whose
 * first side alternates A B B A. The first failure ends the key, naming its
 * side: a B that fails while A measures is a regression.
 *
 * A at another commit (a git ref's worktree): its page is built by its own
 * tree (./ab-bundle.ts). The same bytes as this tree's page: A and B still
 * share each page. Otherwise A's code cannot share B's page, and fresh
 * pages alternate, each side's own (./ab-pages.ts); the result says which
 * design it came from.
 */
import { serializeError } from '../../harness/core/record.ts';
import type { ProcessPairs } from '../../harness/core/paired.ts';
import { abbaFirst } from '../kernel/paired.ts';
import type { PageJob } from './app/protocol.ts';
import type { PairJob, PairJobResult } from '../types.ts';
import { hostOptions, preparedPageJob, type PageJobRun } from './job-flow.ts';
import { buildTreePageBundle, pageScriptHash, type PageMounts } from './ab-bundle.ts';
import { runAlternatingPages } from './ab-pages.ts';
import type { PageServer } from './page-server.ts';
import type { StaticServer } from './server.ts';

export async function runPagePair(pair: PairJob, run: PageJobRun): Promise<PairJobResult> {
  if (pair.baselineTree) {
    // A at another commit: its own page, unless that is this tree's page byte for byte (then A and B still share each page).
    const own = await baselinePage(pair.baselineTree, run);
    if (!own.ok) return own.failure;
    if (own.differs) return runOwnPages(pair, run, own.server, own.mounts);
  }
  const prepared = await preparedPair(pair, run);
  if (!prepared.ok) return prepared.failure;
  const { a, b } = prepared.jobs;
  const processes: ProcessPairs[] = [];
  let evaluation: (PairJobResult & { ok: true })['evaluation'];
  const sideA = { artifactUrl: a.artifactUrl, model: a.model, packUrl: a.packUrl, ...(a.referenceUrl ? { referenceUrl: a.referenceUrl } : {}) };
  for (let index = 0; index < pair.processes; index += 1) {
    // The first page evaluates both sides (accuracy on a fixed pack is the same in every page); both, when either side's kernel does: the harness keeps a reused one.
    const evaluate = index === 0 && (a.kernel.evaluate !== false || b.kernel.evaluate !== false);
    const job: PageJob = { ...b, id: `${b.id}/ab${index}`, kernel: { ...b.kernel, evaluate }, pair: { a: sideA, seed: pair.seed + index, first: abbaFirst(index) } };
    const result = await run.host.run(job, hostOptions(run));
    if (!result.ok) return { ok: false, side: result.side ?? 'both', phase: result.phase, error: result.error };
    if (!('pairs' in result)) return { ok: false, side: 'both', phase: 'loop', error: serializeError(new Error(`${run.where}: the page answered an A/B job with a plain measurement (a page from before A/B?)`)) };
    processes.push({ a: result.pairs.a, b: result.pairs.b });
    evaluation ??= result.pairs.evaluation;
  }
  return { ok: true, processes, design: 'in-process', ...(evaluation ? { evaluation } : {}) };
}

/** Each tree's bundle, built once per page server (the tree lives for the A/B run). */
const treeBundles = new WeakMap<StaticServer, Map<string, Promise<PageMounts>>>();

type BaselinePage = { ok: true; differs: false } | { ok: true; differs: true; server: StaticServer; mounts: Record<'a' | 'b', PageMounts> } | { ok: false; failure: PairJobResult };

/** A's page built by its tree, and whether it differs from this tree's; a build that fails is side A's setup failure. */
async function baselinePage(tree: string, run: PageJobRun): Promise<BaselinePage> {
  let page: PageServer;
  try {
    page = await run.server();
  } catch (error) {
    return { ok: false, failure: { ok: false, side: 'both', phase: 'setup', error: serializeError(error) } };
  }
  if (!page.mounts) return { ok: false, failure: { ok: false, side: 'both', phase: 'setup', error: serializeError(new Error(`${run.where}: this page server cannot serve another tree's page`)) } };
  const built = treeBundles.get(page.server) ?? new Map<string, Promise<PageMounts>>();
  treeBundles.set(page.server, built);
  if (!built.has(tree)) built.set(tree, buildTreePageBundle(tree, { timeoutMs: run.timeoutMs, ...(run.signal ? { signal: run.signal } : {}) }));
  try {
    const a = await built.get(tree)!;
    const b = page.mounts;
    if ((await pageScriptHash(a)) === (await pageScriptHash(b))) return { ok: true, differs: false };
    return { ok: true, differs: true, server: page.server, mounts: { a, b } };
  } catch (error) {
    return { ok: false, failure: { ok: false, side: 'a', phase: 'setup', error: serializeError(error) } };
  }
}

/** A and B in alternating pages, each side's own page (./ab-pages.ts). */
async function runOwnPages(pair: PairJob, run: PageJobRun, server: StaticServer, mounts: Record<'a' | 'b', PageMounts>): Promise<PairJobResult> {
  const prepared = await preparedPair(pair, run);
  if (!prepared.ok) return prepared.failure;
  return runAlternatingPages({ jobs: prepared.jobs, mounts, processes: pair.processes, server }, run);
}

/**
 * Both sides' page jobs, B first. The runtime, its settings and the browser
 * are B's key's, and so A's: a problem preparing B is both sides'; one
 * preparing A after B is A's own.
 */
async function preparedPair(pair: PairJob, run: PageJobRun): Promise<{ ok: true; jobs: Record<'a' | 'b', PageJob> } | { ok: false; failure: PairJobResult }> {
  let b: PageJob;
  try {
    b = await preparedPageJob(pair.b, run);
  } catch (error) {
    return { ok: false, failure: { ok: false, side: 'both', phase: 'setup', error: serializeError(error) } };
  }
  try {
    return { ok: true, jobs: { a: await preparedPageJob(pair.a, run), b } };
  } catch (error) {
    return { ok: false, failure: { ok: false, side: 'a', phase: 'setup', error: serializeError(error) } };
  }
}
