/**
 * `bench ab` (and `bench run --baseline`): every job of this out folder's
 * plan measured against the same job on the baseline's artifact (same model
 * id, format and variant), A and B alternated inside each of several fresh
 * processes or pages (targets/node/ab.ts, targets/page/pair-flow.ts), and
 * the verdict from the pairs (reports/ab.ts).
 *
 * The baseline is an out folder, or a git ref: that commit checked out in a
 * private worktree with its own packages (./baseline-ref.ts), this out
 * folder's artifacts reused while the code that builds them is unchanged,
 * and A's jobs run by its own code in alternating processes.
 *
 * Phases, as `bench run`'s: artifacts on both sides → discover → plan (this
 * side's jobs, keyed once) → pair each job with the baseline's artifact →
 * measure the pairs → verdict, written to ab/<stamp>.json. Each side is
 * evaluated once (in the first process, after its pairs) against its own
 * reference, so the verdict holds accuracy and agreement too. A target
 * without a pair mode, or a job whose artifact the baseline lacks, is named
 * and skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyReader, mergedEvaluation, reusedEvaluations, reusedLine, withoutReused } from './ab-evaluations.ts';
import { listArtifacts } from './artifacts.ts';
import { checkoutBaseline, lockfileHash, resolveRef, runtimeVersions, type SideSource } from './baseline-ref.ts';
import { modelIds, type ResolvedConfig } from './core/config.ts';
import { UserError } from './core/errors.ts';
import { gitInfo } from './core/git.ts';
import { abResultPath, builtBaselinesDir, evalPackDir } from './core/layout.ts';
import { isInside } from './core/contained-path.ts';
import type { Logger } from './core/log.ts';
import { pairedRatio } from './core/paired.ts';
import { keyId } from './core/record.ts';
import { writeFileAtomic } from './core/safe-fs.ts';
import { planJobs } from './plan.ts';
import { withReferences } from './references.ts';
import { discoverTargets, disposeTargets, prepareTargets, type TargetFactories } from './targets.ts';
import { abVerdict, type AbKeyInput, type AbOptions, type AbVerdict } from '../reports/ab.ts';
import type { PairDesign, PairDeviceState, PairJobResult, TargetContext } from '../targets/types.ts';

/** Processes per key when not asked: A B B A once. */
export const DEFAULT_AB_PROCESSES = 4;

export interface AbRunOptions {
  config: ResolvedConfig;
  log: Logger;
  /** Absolute out folder of B (this side). */
  out: string;
  /** Out folder of A (the baseline), absolute or relative to the working folder. */
  baseline: string;
  cwd: string;
  processes: number;
  /**
   * The adaptive stop's budget: an undecided key gets 4 more processes (one
   * A B B A block) at a time until it is decided or has this many. Absent
   * (or ≤ processes): exactly `processes`. Every look is tested at
   * alpha / looks (Bonferroni over the looks), so stopping early cannot raise
   * the false-alarm rate above alpha.
   */
  maxProcesses?: number;
  signal?: AbortSignal;
  targets?: TargetFactories;
}

/** Processes added per look of the adaptive stop: one A B B A block. */
export const AB_BLOCK = 4;

/** How many looks a key may take: the first `processes`, then a block at a time up to the budget. */
export function abLooks(processes: number, maxProcesses: number | undefined): number {
  return maxProcesses !== undefined && maxProcesses > processes ? 1 + Math.ceil((maxProcesses - processes) / AB_BLOCK) : 1;
}

export interface AbOutcome {
  verdict: AbVerdict;
  /** Jobs not measured, one line each saying why. */
  skipped: string[];
  /** The written verdict file. */
  path: string;
}

/** The schema tag of ab/<stamp>.json. */
export const AB_SCHEMA = 'edgebench-ab/1';

/**
 * Whether `baseline` names an out folder (not `out` itself) or a commit, in
 * one line when not: `bench all --baseline` asks before it builds anything,
 * so a mistyped ref costs nothing. runAb asks again (the folder may go).
 */
export function checkBaselineName(baseline: string, cwd: string, out: string): void {
  const folder = resolve(cwd, baseline);
  if (existsSync(folder) && statSync(folder).isDirectory()) {
    if (folder === out) throw new UserError(`--baseline ${baseline} is this out folder: A and B would be the same files (give the baseline's out folder, or a git ref)`, 'AB_BASELINE');
    return;
  }
  resolveRef(baseline, cwd);
}

export async function runAb(options: AbRunOptions): Promise<AbOutcome> {
  const { out } = options;
  const signal = options.signal ?? new AbortController().signal;
  if (!(Number.isInteger(options.processes) && options.processes >= 1)) throw new UserError(`--processes must be a positive integer (got ${options.processes})`, 'AB_PROCESSES');
  if (options.maxProcesses !== undefined && !(Number.isInteger(options.maxProcesses) && options.maxProcesses >= options.processes)) throw new UserError(`--max-processes must be an integer ≥ --processes (${options.processes}) (got ${options.maxProcesses})`, 'AB_PROCESSES');
  checkBaselineName(options.baseline, options.cwd, out);
  const folder = resolve(options.cwd, options.baseline);
  if (existsSync(folder) && statSync(folder).isDirectory()) return measureAb(options, signal, { dir: folder, label: folder, source: null });
  // Not a folder: a git ref, checked out in a private worktree that goes away whatever happens.
  const tree = await checkoutBaseline({ ref: options.baseline, cwd: options.cwd, log: options.log, signal });
  try {
    options.log.info(`baseline ${tree.ref}: ${tree.commit.slice(0, 12)} in ${tree.dir} (packages ${tree.packages === 'linked' ? "linked: the same package-lock.json" : 'from its own package-lock.json'})`);
    const label = `${tree.ref} (${tree.commit.slice(0, 12)})`;
    const change = artifactCodeChange(tree.commit, options.cwd);
    if (change === 'unchanged') {
      // The artifacts are reused by that fingerprint (the code that builds them is unchanged): A differs from B only in the code and packages that run them.
      return await measureAb(options, signal, { dir: out, label, source: { ...tree.source, artifacts: { from: 'this out folder', dir: out } }, tree: tree.dir });
    }
    if (change !== 'changed') throw new UserError(`--baseline ${tree.ref}: ${change.error}: cannot tell whether its artifacts are this out folder's`, 'AB_BASELINE_ARTIFACTS');
    // The code that builds artifacts differs: the commit's own CLI builds them on this side's dataset and settings (cached by commit, dataset, settings).
    const { buildBaselineArtifacts } = await import('./baseline-build.ts');
    const built = await buildBaselineArtifacts({ tree: tree.dir, ref: tree.ref, commit: tree.commit, out, cwd: options.cwd, config: options.config, log: options.log, signal });
    return await measureAb(options, signal, { dir: built.dir, label, source: { ...tree.source, artifacts: { from: 'built at the commit', dir: built.dir, cached: built.reused } }, tree: tree.dir });
  } finally {
    await tree.remove();
  }
}

/**
 * Whether this tree's artifacts can stand for the commit's: not when the
 * code that builds them (models/: retraining, the converter) changed.
 * The lockfile is left out on purpose: a runtime upgrade (TF.js 4.22 → 4.23)
 * is asked on the same model files, run by each side's own packages.
 */
export function artifactCodeChange(commit: string, cwd: string): 'unchanged' | 'changed' | { error: string } {
  const diff = spawnSync('git', ['diff', '--quiet', commit, '--', 'models'], { cwd, timeout: 60_000 });
  if (diff.status === 0) return 'unchanged';
  return diff.status === 1 ? 'changed' : { error: `git diff failed (${diff.stderr?.toString().trim().split('\n')[0] ?? 'no git'})` };
}

interface BaselineSide {
  /** The out folder holding A's artifacts. */
  dir: string;
  /** How the verdict file names A. */
  label: string;
  /** A's code, when it is not this tree's (a git ref). */
  source: SideSource | null;
  /** A's worktree, when its code is another commit's. */
  tree?: string;
}

/** What a target's pair result gives the verdict: the paired ratio, or the failure naming its side. */
export function abKeyInput(key: string, result: PairJobResult, evaluation?: (PairJobResult & { ok: true })['evaluation']): AbKeyInput {
  return result.ok ? { key, estimate: pairedRatio(result.processes), ...(evaluation ? { evaluation } : {}) } : { key, failed: result.side, message: `${result.phase} failed: ${result.error.message}` };
}

/**
 * The verdict's settings from the config: the A/B's own min effect and alpha
 * (split over the adaptive stop's looks: each look is a test), compare's
 * correction and accuracy threshold.
 */
export function abOptions(config: ResolvedConfig, looks = 1): AbOptions {
  return { minEffect: config.ab.minEffect, alpha: config.ab.alpha / looks, correction: config.compare.correction, accuracyDropPoints: config.compare.accuracyDropPoints };
}

/** A job's loop as a pair loop: the A/B's own pairs and warm-up (config `ab`), not a plain job's samples. */
function pairLoop<T extends { kernel: { minSamples: number; warmupIterations: number } }>(job: T, config: ResolvedConfig): T {
  return { ...job, kernel: { ...job.kernel, minSamples: config.ab.pairs, warmupIterations: config.ab.warmupPairs } };
}

/** A later look's job: timed only (the first look evaluated). */
function noEvaluation<T extends { kernel: { evaluate?: boolean } }>(job: T): T {
  return { ...job, kernel: { ...job.kernel, evaluate: false } };
}

/** This tree's code, for the verdict file. */
function thisSide(): SideSource {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const git = gitInfo(root);
  const lockfileSha256 = lockfileHash(root);
  return { ...(git ? { git } : {}), ...(lockfileSha256 ? { lockfileSha256 } : {}), runtimeVersions: runtimeVersions(root) };
}

async function measureAb(options: AbRunOptions, signal: AbortSignal, baselineSide: BaselineSide): Promise<AbOutcome> {
  const { config, log, out } = options;
  const baseline = baselineSide.dir;
  const context: TargetContext = { config, log, out, signal };

  // artifacts, both sides
  const ids = modelIds(config);
  const current = await listArtifacts(out, ids);
  const before = await listArtifacts(baseline, ids);
  if (current.models.length === 0) throw new UserError(`nothing to measure: no retrained model among ${ids.join(', ') || 'the models given'} in ${out}`, 'NO_ARTIFACTS');
  const baselineArtifacts = new Map(before.models.flatMap((model) => model.artifacts.map((artifact) => [artifact.id, { artifact, metadata: model.metadata }] as const)));

  const looks = abLooks(options.processes, options.maxProcesses);
  // Each look is a test: alpha is split over them, for the stop and for the final verdict alike.
  const judging = abOptions(config, looks);
  const active = await discoverTargets(context, options.targets);
  const inputs: AbKeyInput[] = [];
  const skipped: string[] = [];
  // Which files each key held against each other: the verdict file names both sides.
  const sides: { key: string; design: PairDesign | null; a: { artifact: string; sha256: string }; b: { artifact: string; sha256: string }; deviceStates?: PairDeviceState[] }[] = [];
  try {
    // plan: this side's jobs, inference only, each keyed once
    const plan = await planJobs(current.models, active, config, out);
    const infer = plan.jobs.filter(({ job }) => (job.workload ?? 'infer') === 'infer');
    for (const { target, job } of infer.filter((planned) => !planned.target.runPair)) skipped.push(`${keyId(job.key)}: the ${target.kind} target cannot time A and B in one process yet`);
    // Only the targets that can pair are started (a browser server, a phone session would be started for nothing).
    const prepared = await prepareTargets(
      active.filter(({ target }) => target.runPair),
      infer.filter((planned) => planned.target.runPair),
      context,
    );
    for (const failure of prepared.failures) inputs.push({ key: keyId(failure.key), failed: 'both', message: `the target could not start: ${failure.error.message}` });
    // B's agreement reference, made as bench run makes it; A's is the one its folder holds, if any (never written there).
    // One engine only: a B that does not load is B's failure, which its first pair process says (A loading first) in seconds, not a
    // reason to try the next engine too (~35 s for a broken B before any pair).
    const referenced = await withReferences(prepared.jobs, current.models, context, { active, handOver: false, ...(options.targets ? { factories: options.targets } : {}) });
    // A's reference where its folder is edgebench's own (a git ref's artifacts built in this out folder's cache): made the same way, in
    // that folder, so agreement is compared on both sides. A user's baseline folder is never written: its own reference is used if it has one.
    if (isInside(builtBaselinesDir(out), baseline)) await withReferences(prepared.jobs, before.models, { ...context, out: baseline }, { active, handOver: false, ...(options.targets ? { factories: options.targets } : {}) });
    const history = historyReader();
    for (const [index, { target, job }] of referenced.jobs.entries()) {
      if (signal.aborted) break;
      const id = keyId(job.key);
      const side = baselineArtifacts.get(job.artifact.id);
      if (!side) {
        skipped.push(`${id}: the baseline has no ${job.artifact.id}`);
        continue;
      }
      if (!target.runPair) continue; // listed above
      // A: the same job on the baseline's file, metadata, pack and reference; each side evaluated once, after its pairs.
      const bLoop = pairLoop(job, config);
      const aPack = evalPackDir(baseline, side.artifact.model);
      const aReference = join(aPack, 'reference.json');
      const aLoop = { ...bLoop, artifact: side.artifact, metadata: side.metadata, evalPackDir: aPack };
      delete aLoop.referencePath;
      if (bLoop.referencePath && existsSync(aReference)) aLoop.referencePath = aReference;
      // A side an earlier signed run of its own folder evaluated (the same fingerprint) is timed only, as bench run does (./ab-evaluations.ts).
      const reused = await reusedEvaluations({ a: { job: aLoop, out: baselineSide.tree ? null : baseline }, b: { job: bLoop, out } }, history, { config, log, target: target.kind });
      const reusedNote = reusedLine(id, reused);
      if (reusedNote) log.info(reusedNote);
      const { a, b } = withoutReused({ a: aLoop, b: bLoop }, reused);
      log.info(`${id}: A/B over ${options.processes}${looks > 1 ? ` to ${options.maxProcesses}` : ''} process${options.processes === 1 && looks === 1 ? '' : 'es'}`);
      const seed = config.run.seed + index * 1000;
      const tree = baselineSide.tree ? { baselineTree: baselineSide.tree } : {};
      let result = await target.runPair({ a, b, processes: options.processes, seed, ...tree }, context);
      const first = result;
      // The adaptive stop: another A B B A block while the key is undecided and the budget allows (evaluated once, in the first).
      while (result.ok && looks > 1 && result.processes.length < options.maxProcesses! && !signal.aborted && abVerdict([{ key: id, estimate: pairedRatio(result.processes) }], judging).keys[0]!.verdict === 'inconclusive') {
        const block = Math.min(AB_BLOCK, options.maxProcesses! - result.processes.length);
        const more = await target.runPair({ a: noEvaluation(a), b: noEvaluation(b), processes: block, seed: seed + result.processes.length, ...tree }, context);
        result = more.ok ? { ...result, processes: [...result.processes, ...more.processes], ...(result.deviceStates || more.deviceStates ? { deviceStates: [...(result.deviceStates ?? []), ...(more.deviceStates ?? [])] } : {}) } : more;
      }
      const evaluation = mergedEvaluation(first.ok ? first.evaluation : undefined, reused);
      // A phone's state around each of its processes or pages, as a plain phone job's record has it.
      sides.push({ key: id, design: result.ok ? result.design : null, a: { artifact: a.artifact.id, sha256: a.artifact.sha256 }, b: { artifact: b.artifact.id, sha256: b.artifact.sha256 }, ...(result.ok && result.deviceStates ? { deviceStates: result.deviceStates } : {}) });
      if (result.ok) log.info(`${id}: measured ${result.design === 'in-process' ? 'with A and B in each process' : 'in alternating processes (A and B cannot share one: each side\'s own code, or a runner that loads one model)'}, ${result.processes.length} process${result.processes.length === 1 ? '' : 'es'}`);
      inputs.push(abKeyInput(id, result, evaluation));
    }
  } finally {
    await disposeTargets(active, log);
  }

  const verdict = abVerdict(inputs, judging);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = abResultPath(out, stamp);
  await mkdir(dirname(path), { recursive: true });
  const b = thisSide();
  // Who A and B are: each side's code (git, lockfile, runtime versions); A's is B's when the baseline is an out folder.
  const code = { a: baselineSide.source ?? b, b };
  writeFileAtomic(path, `${JSON.stringify({ schema: AB_SCHEMA, createdAt: new Date().toISOString(), baseline: baselineSide.label, current: out, processes: options.processes, pairs: config.ab.pairs, warmupPairs: config.ab.warmupPairs, ...(looks > 1 ? { maxProcesses: options.maxProcesses, looks, alphaPerLook: judging.alpha } : {}), code, options: abOptions(config), sides, skipped, ...verdict }, null, 2)}\n`);
  return { verdict, skipped, path };
}
