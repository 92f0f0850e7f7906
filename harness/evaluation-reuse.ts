/**
 * Accuracy is a pure function of the model file, the code that feeds it, the
 * runtime and device that run it, and the images: a second run with all of
 * them unchanged would evaluate the same images to the same answers. Each
 * evaluation carries a fingerprint of those inputs; a job whose fingerprint
 * an earlier run of the same out folder already evaluated reads that
 * evaluation (marked `reusedFrom` with the run id) instead of spending its
 * evaluation budget again, and measures latency as always. Any change to the
 * project's code, its lockfile, the artifact, the pack, the runtime's options,
 * the device or the evaluation's limits makes a new fingerprint, so CI runs on
 * a new commit always evaluate.
 *
 * Only records this harness wrote are reused from: a record's run.json must
 * verify against its run.json.mac with the user's key (core/record-mac.ts),
 * and the evaluation is taken from those verified bytes. A planted or edited
 * run.json that would have been reused is ignored with one info line.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACK_IMAGES, PACK_JSON } from './core/eval-pack.ts';
import { runDir } from './core/layout.ts';
import type { Logger } from './core/log.ts';
import { readSignedRecord, recordKey, type RecordKeyResult } from './core/record-mac.ts';
import type { Evaluation, HostInfo, Measurement, RunRecord } from './core/record.ts';
import { RECORD_FILE } from './record-store.ts';
import { heldRounds } from './warm-rounds.ts';
import type { Job } from '../targets/types.ts';

/** The project's root: harness/ is one level down. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The code that decides what a job computes: every source folder, and the lockfile that pins the runtimes. */
const CODE_FOLDERS = ['harness', 'targets', 'models'];
const CODE_FILES = ['package-lock.json'];

/** Hash of the project's code and pinned dependencies, once per process. */
let codeHash: Promise<string> | undefined;
export function codeIdentity(): Promise<string> {
  codeHash ??= hashCode();
  return codeHash;
}

async function hashCode(): Promise<string> {
  const hash = createHash('sha256');
  const files: string[] = [];
  for (const folder of CODE_FOLDERS) files.push(...(await sourceFiles(join(ROOT, folder))));
  for (const file of CODE_FILES) if (existsSync(join(ROOT, file))) files.push(join(ROOT, file));
  for (const file of files.sort()) hash.update(`\n${relative(ROOT, file)}\n`).update(await readFile(file));
  return hash.digest('hex');
}

async function sourceFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && /\.(ts|js|mjs|json)$/.test(entry.name)).map((entry) => join(entry.parentPath, entry.name));
}

/** Hash of some files' bytes (an evaluation pack's labels and pixels; a reference), undefined when one cannot be read. */
async function filesIdentity(paths: string[]): Promise<string | undefined> {
  try {
    const hash = createHash('sha256');
    for (const path of paths) hash.update(await readFile(path));
    return hash.digest('hex');
  } catch {
    return undefined;
  }
}

export interface FingerprintContext {
  code: string;
  host: HostInfo;
  /** The run's thread count for runtimes that take one. */
  threads: number;
}

/** The fingerprint of one job's evaluation, or undefined when it does not evaluate or a file it reads cannot be read. */
export async function evaluationFingerprint(job: Job, target: string, context: FingerprintContext, files = new Map<string, Promise<string | undefined>>()): Promise<string | undefined> {
  if (job.kernel.evaluate === false) return undefined;
  const identity = (paths: string[]) => {
    const id = paths.join('\n');
    if (!files.has(id)) files.set(id, filesIdentity(paths));
    return files.get(id)!;
  };
  const pack = await identity([join(job.evalPackDir, PACK_JSON), join(job.evalPackDir, PACK_IMAGES)]);
  if (pack === undefined) return undefined;
  // Agreement reads the reference outputs: the same pack with another reference gives other figures.
  const reference = job.referencePath === undefined ? null : await identity([job.referencePath]);
  if (reference === undefined) return undefined;
  // A retrain job's accuracy is that of the head it trains: its training pack and recipe are inputs too.
  const training = job.retrain ? await identity([join(job.retrain.packDir, PACK_JSON), join(job.retrain.packDir, PACK_IMAGES)]) : null;
  if (training === undefined) return undefined;
  const { kernel } = job;
  return createHash('sha256')
    .update(
      JSON.stringify({
        code: context.code,
        host: { cpu: context.host.cpu, cores: context.host.cores, os: context.host.os, node: context.host.node },
        threads: context.threads,
        artifact: job.artifact.sha256,
        pack,
        reference,
        target,
        device: { id: job.device.id, name: job.device.name },
        runtime: job.runtime,
        runtimeOptions: job.runtimeOptions,
        batchSize: kernel.batchSize,
        evalLimit: kernel.evalLimit ?? null,
        evalBudgetMs: kernel.evalBudgetMs ?? null,
        evalMinImages: kernel.evalMinImages ?? null,
        ...(job.retrain ? { workload: 'retrain', training, settings: job.retrain.settings } : {}),
      }),
    )
    .digest('hex');
}

/** The latest evaluation with this fingerprint in the history (newest last), with the run that made it. */
export function findEvaluation(history: readonly RunRecord[], fingerprint: string): { evaluation: Evaluation; runId: string } | undefined {
  for (let index = history.length - 1; index >= 0; index -= 1) {
    const record = history[index]!;
    for (const measurement of record.measurements) {
      const evaluation = measurement.evaluation;
      if (evaluation?.fingerprint === fingerprint && evaluation.images > 0) return { evaluation, runId: evaluation.reusedFrom ?? record.runId };
    }
  }
  return undefined;
}

/** What a planned job does about its evaluation: evaluate and stamp this fingerprint, or reuse an earlier one. */
export interface EvaluationPlan {
  fingerprint: string;
  reused?: { evaluation: Evaluation; runId: string };
  /** With `reused`: the rounds the signed runs hold of this job, and the latest run with one (./warm-rounds.ts). */
  held?: { rounds: number; runId: string | undefined };
}

/** The records of `history` whose run.json under `out` verifies, read from the verified bytes; the others with why not. */
export function signedHistory(out: string, history: readonly RunRecord[], key: RecordKeyResult): { signed: RunRecord[]; unsigned: { record: RunRecord; reason: string }[] } {
  const signed: RunRecord[] = [];
  const unsigned: { record: RunRecord; reason: string }[] = [];
  for (const record of history) {
    let read: ReturnType<typeof readSignedRecord>;
    try {
      read = readSignedRecord(join(runDir(out, record.runId), RECORD_FILE), key);
    } catch {
      read = { reason: 'its run id is not a folder name' };
    }
    if ('reason' in read) {
      unsigned.push({ record, reason: read.reason });
      continue;
    }
    const verified = JSON.parse(read.bytes.toString('utf8')) as RunRecord;
    if (Array.isArray(verified.measurements)) signed.push(verified);
  }
  return { signed, unsigned };
}

export interface ReuseContext extends FingerprintContext {
  reuse: boolean;
  /** The out folder the history was read from: its records are verified there. */
  out: string;
  log: Logger;
  /** The record key (default: this user's). */
  key?: RecordKeyResult;
}

/**
 * The evaluation plan of every evaluating job; a job that can reuse an
 * earlier evaluation gets `evaluate: false` in its kernel options (it only
 * measures latency), and `stamp` puts the reused evaluation in its measurement.
 */
export async function planEvaluations<T extends { job: Job; target: { kind: string } }>(jobs: readonly T[], history: readonly RunRecord[], context: ReuseContext): Promise<Map<T, EvaluationPlan>> {
  const plans = new Map<T, EvaluationPlan>();
  const files = new Map<string, Promise<string | undefined>>();
  const { signed, unsigned } = context.reuse && history.length ? signedHistory(context.out, history, context.key ?? recordKey()) : { signed: [], unsigned: [] };
  const refused = new Map<string, string>();
  for (const planned of jobs) {
    const fingerprint = await evaluationFingerprint(planned.job, planned.target.kind, context, files);
    if (fingerprint === undefined) continue;
    const reused = context.reuse ? findEvaluation(signed, fingerprint) : undefined;
    if (context.reuse && !reused) {
      for (const { record, reason } of unsigned) if (findEvaluation([record], fingerprint)) refused.set(record.runId, reason);
    }
    plans.set(planned, { fingerprint, ...(reused ? { reused, held: heldRounds(signed, fingerprint) } : {}) });
    if (reused) planned.job = { ...planned.job, kernel: { ...planned.job.kernel, evaluate: false } };
  }
  if (refused.size) {
    const runs = [...refused].map(([runId, reason]) => `run ${runId} (${reason})`).join('; ');
    context.log.info(`accuracy not reused from ${runs}: only records this edgebench wrote and signed are trusted, so those jobs evaluate again`);
  }
  return plans;
}

/**
 * The measurement as the record keeps it: its own evaluation, fingerprinted,
 * or the reused one; a retrain job's accuracy (and whether it fell out of the
 * host's tolerance) follows the reused evaluation too.
 */
export function stampEvaluation(measurement: Measurement, plan: EvaluationPlan | undefined): Measurement {
  if (!plan) return measurement;
  if (!plan.reused) return measurement.evaluation ? { ...measurement, evaluation: { ...measurement.evaluation, fingerprint: plan.fingerprint } } : measurement;
  const evaluation = { ...plan.reused.evaluation, fingerprint: plan.fingerprint, reusedFrom: plan.reused.runId };
  const { retrain } = measurement;
  if (!retrain) return { ...measurement, evaluation };
  const lostAccuracy = retrain.host !== null && evaluation.accuracy < retrain.host.accuracy - retrain.host.tolerance;
  return { ...measurement, evaluation, retrain: { ...retrain, accuracy: evaluation.accuracy, diverged: retrain.diverged || lostAccuracy } };
}
