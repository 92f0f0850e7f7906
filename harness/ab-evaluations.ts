/**
 * An A/B side's accuracy reused, as `bench run` reuses it: when an earlier
 * run of that side's own out folder evaluated the same job (the fingerprint
 * of ./evaluation-reuse.ts: the same model file, pack, reference, code and
 * lockfile, runtime, device and limits) and signed its record, the side is
 * timed only and the verdict takes that evaluation. A plain `bench run` of
 * the baseline folder followed by `bench ab` against it evaluated A twice
 * before; A/B runs against the same baseline evaluated A every time.
 *
 * The fingerprint holds this tree's code, so a side run by another commit's
 * code (a git ref's A) never reuses: its answers may differ (a TF.js
 * upgrade is the point of such an A/B).
 */
import { availableParallelism } from 'node:os';
import type { ResolvedConfig } from './core/config.ts';
import { hostInfo } from './core/host.ts';
import type { Logger } from './core/log.ts';
import { RECORD_SCHEMA, type Evaluation, type RunRecord } from './core/record.ts';
import { recordKey, type RecordKeyResult } from './core/record-mac.ts';
import { codeIdentity, evaluationFingerprint, findEvaluation, signedHistory } from './evaluation-reuse.ts';
import { listRuns, readRunRecord } from './history.ts';
import { BENCHMARK } from './record-store.ts';
import type { Job } from '../targets/types.ts';

/** Earlier runs of a side's folder looked at, newest first (as compare's history). */
const HISTORY = 20;

export type Side = 'a' | 'b';

export interface AbSideJob {
  job: Job;
  /** The out folder whose signed runs may hold this job's evaluation; null: never reuse (a git ref's A). */
  out: string | null;
}

/** A side's reused evaluation (marked `reusedFrom`), or undefined: evaluate it. */
export type ReusedEvaluations = Partial<Record<Side, Evaluation>>;

export interface AbEvaluationOptions {
  config: ResolvedConfig;
  log: Logger;
  /** The target's kind, as the record's fingerprints hold it. */
  target: string;
  /** The record key (default: this user's). */
  key?: RecordKeyResult;
}

/** The signed runs of an out folder, oldest first, read once per A/B run. */
export function historyReader(key: RecordKeyResult = recordKey()): (out: string) => Promise<RunRecord[]> {
  const read = new Map<string, Promise<RunRecord[]>>();
  return (out) => {
    if (!read.has(out)) read.set(out, signedRuns(out, key));
    return read.get(out)!;
  };
}

async function signedRuns(out: string, key: RecordKeyResult): Promise<RunRecord[]> {
  try {
    const { runs } = await listRuns(out);
    const ours = runs.filter((run) => run.schema === RECORD_SCHEMA && run.benchmark?.name === BENCHMARK.name && run.benchmark?.version === BENCHMARK.version).slice(-HISTORY);
    const records: RunRecord[] = [];
    for (const run of ours) records.push(await readRunRecord(run.path));
    return signedHistory(out, records, key).signed;
  } catch {
    // A folder whose runs cannot be listed holds nothing to reuse: the side is evaluated.
    return [];
  }
}

/** Each side's evaluation where its folder's signed runs hold one of the same fingerprint. */
export async function reusedEvaluations(sides: Record<Side, AbSideJob>, history: (out: string) => Promise<RunRecord[]>, options: AbEvaluationOptions): Promise<ReusedEvaluations> {
  const { config } = options;
  if (!config.run.reuseEvaluations) return {};
  const context = { code: await codeIdentity(), host: hostInfo(), threads: config.run.threads ?? availableParallelism() };
  const reused: ReusedEvaluations = {};
  for (const side of ['a', 'b'] as const) {
    const { job, out } = sides[side];
    if (out === null) continue;
    const fingerprint = await evaluationFingerprint(job, options.target, context);
    if (fingerprint === undefined) continue;
    const found = findEvaluation(await history(out), fingerprint);
    if (found) reused[side] = { ...found.evaluation, fingerprint, reusedFrom: found.runId };
  }
  return reused;
}

/** The jobs as the target gets them: a side whose evaluation is reused does not evaluate. */
export function withoutReused<T extends { kernel: { evaluate?: boolean } }>(jobs: Record<Side, T>, reused: ReusedEvaluations): Record<Side, T> {
  const off = (job: T): T => ({ ...job, kernel: { ...job.kernel, evaluate: false } });
  return { a: reused.a ? off(jobs.a) : jobs.a, b: reused.b ? off(jobs.b) : jobs.b };
}

/** The verdict's evaluations: what the pair evaluated, else the reused one; undefined when neither side has any. */
export function mergedEvaluation(evaluated: Record<Side, Evaluation | null> | undefined, reused: ReusedEvaluations): Record<Side, Evaluation | null> | undefined {
  if (!evaluated && !reused.a && !reused.b) return undefined;
  return { a: evaluated?.a ?? reused.a ?? null, b: evaluated?.b ?? reused.b ?? null };
}

/** One line per reused side, for the log. */
export function reusedLine(id: string, reused: ReusedEvaluations): string | undefined {
  const sides = (['a', 'b'] as const).filter((side) => reused[side]);
  if (!sides.length) return undefined;
  return `${id}: accuracy of ${sides.map((side) => `${side.toUpperCase()} reused from run ${reused[side]!.reusedFrom}`).join(', ')} (same model file, code, runtime, device and images; --reevaluate to evaluate again)`;
}
