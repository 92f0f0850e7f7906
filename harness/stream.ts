/**
 * `bench all` model by model, smallest first: each model is retrained,
 * converted and measured, its rows printed and the report rewritten, before
 * the next model's host work starts. So the first numbers come while nothing
 * else competes for the cores, and a user can open the report early.
 *
 * One run record for the whole command (./run.ts `openRun`): the targets are
 * discovered and prepared once, each model's artifacts added as it comes; the
 * dataset is made and scanned once (models/retrain.ts `setUpRetrain`), while
 * the targets are discovered (neither is timed). Each
 * model's agreement reference is made on the other core while it converts;
 * the first model's Mobile and float32 artifacts are measured before its
 * other variants convert (./stream-batches.ts), so the first numbers wait
 * for one conversion, not four.
 * The user's own model files come last: they need no host work.
 *
 * The plan is estimated before anything is built (history, else the figures
 * shipped with edgebench: ./cold-estimate.ts) and printed with the ETA from
 * the first second; each model's progress lines carry the ETA of the whole
 * command, corrected by what the parts done took against their estimates.
 */
import { existsSync } from 'node:fs';
import { probedColdBasis, shippedDatasetSeconds, shippedHostSeconds, type ColdBasis } from './cold-estimate.ts';
import { modelIds, type ResolvedConfig } from './core/config.ts';
import { generatedDatasetDir, liteModelPath, metadataPath } from './core/layout.ts';
import { history, prospectiveModel, shippedEstimate } from './dry-run.ts';
import { durationsFromHistory, formatDuration, jobPlanId } from './estimate.ts';
import { planJobs } from './plan.ts';
import { smallestFirst } from './plan-order.ts';
import { UserError } from './core/errors.ts';
import { firstLine } from './core/format.ts';
import type { Logger } from './core/log.ts';
import type { ArtifactInfo, ArtifactVariant, RunRecord } from './core/record.ts';
import { loadHistory } from './history.ts';
import { prefetchReferences, type PrefetchedReference } from './references.ts';
import { retrainedLine } from './retrain-summary.ts';
import { unshown } from './stream-table.ts';
import { openRun, runnableModels, type RunSession, type RunTimings } from './run.ts';
import { FIRST_VARIANTS, inBatch, variantBatches, withArtifacts } from './stream-batches.ts';
import { importUserModels } from './user-models.ts';
import type { TfliteRunner } from '../models/tflite/runner.ts';
import { retrainModel, setUpRetrain, type RetrainedModel } from '../models/retrain.ts';
import { convertArtifacts, type ConvertedArtifact } from '../models/tflite/index.ts';
import type { CheckRuntime } from '../models/tflite/self-check.ts';
import { writeHtmlReport } from '../reports/index.ts';
import { viewerScript } from '../reports/bundle.ts';
import { formatSummary } from '../reports/run-summary.ts';

/** The wall time of one phase of `bench all`: what the docs' cost figures and `npm run benchmark:all` are made of. */
export interface PhaseTiming {
  phase: 'dataset' | 'discovery' | 'bottlenecks' | 'training' | 'conversion' | 'reference' | 'job' | 'report';
  /** The model, or the job's key id, it belongs to. */
  subject: string;
  seconds: number;
  /** What happened in words: `840 computed on tflite-node`, `cached`, `88 images` … */
  detail: string;
}

export interface StreamOptions {
  config: ResolvedConfig;
  log: Logger;
  /** Absolute output folder. */
  out: string;
  cwd: string;
  signal: AbortSignal;
  /** The host's native TFLite runner for bottlenecks and int8 calibration (absent: TF.js). */
  tflite?: TfliteRunner;
  /** The TFLite runtime each converted file is self-checked on. */
  check?: CheckRuntime;
}

export interface StreamOutcome {
  /** The one record of the command (with no measurement when every model failed) and its report. */
  run: { runId: string; recordPath: string; record: RunRecord; reportPath: string };
  phases: PhaseTiming[];
  /** Seconds from the process's start to the first job's first round done: what a user waits for a number. */
  firstResultSeconds: number | null;
  /** Models whose retraining or conversion failed (each said in one line); the others went on. */
  failed: string[];
}

/** When the first round of any job finished, in epoch ms; null with no measurement. */
export function firstResultAt(record: RunRecord): number | null {
  const ends = record.measurements.map((measurement) => Date.parse(measurement.rounds?.[0]?.finishedAt ?? measurement.finishedAt)).filter(Number.isFinite);
  return ends.length ? Math.min(...ends) : null;
}

/** One model's part of the plan's estimate: its host work and its jobs, seconds (host undefined: nothing tells). */
interface PlannedPart {
  subject: string;
  host: number | undefined;
  jobs: number;
  unknownJobs: number;
  /** Of `jobs`, the seconds of the jobs of Lite variants converted after the first batch (./stream-batches.ts). */
  laterJobs: number;
}

/** The estimate of each model's part before anything is built: host work from the shipped figures, jobs from history else the shipped figures. */
async function estimateParts(ids: readonly string[], session: RunSession, options: StreamOptions, basis: ColdBasis): Promise<PlannedPart[]> {
  const { config, out } = options;
  const durations = durationsFromHistory(await history(out));
  const parts: PlannedPart[] = [];
  for (const id of ids) {
    const converted = config.convert.variants.every((variant) => existsSync(liteModelPath(out, id, variant)));
    const host = shippedHostSeconds(id, config, basis, { retrained: existsSync(metadataPath(out, id)), converted });
    let jobs = 0;
    let unknownJobs = 0;
    let laterJobs = 0;
    try {
      const plan = await planJobs([prospectiveModel(out, id, config)], session.active, config, out);
      for (const planned of plan.jobs) {
        const seconds = durations.get(jobPlanId(planned.job)) ?? shippedEstimate(planned, config, basis).seconds;
        if (seconds === undefined) unknownJobs += 1;
        else jobs += seconds;
        if (seconds !== undefined && !inBatch(planned.job.artifact, FIRST_VARIANTS, true)) laterJobs += seconds;
      }
    } catch {
      // A model the zoo does not know: retraining says why, in its turn.
    }
    parts.push({ subject: id, host, jobs, unknownJobs, laterJobs });
  }
  return parts;
}

function partSeconds(part: PlannedPart): number {
  return (part.host ?? 0) + part.jobs;
}

export async function streamAll(options: StreamOptions): Promise<StreamOutcome> {
  const { config, log, out, cwd, signal } = options;
  const phases: PhaseTiming[] = [];
  const failed: string[] = [];
  const retrainOptions = { config, log, out, cwd, signal, ...(options.tflite ? { tflite: options.tflite } : {}) };
  const order = smallestFirst(modelIds(config), config);

  // The CPU probe before the browsers start beside it; then the targets: the plan, so its estimate, is known from the first second.
  const basis = await probedColdBasis();
  // The report's viewer (ECharts, bundled by esbuild on every core: ~1 s quiet, 3-5 s at load 20) is built beside the
  // discovery instead of after the first model's jobs, where it held up the rest of the run. Its error, if any, is the report's.
  const viewerBuilt = viewerScript().catch(() => undefined);
  const datasetMade = config.dataset.images !== undefined || existsSync(generatedDatasetDir(out, config.dataset.seed, config.dataset.imagesPerClass));
  // The dataset is drawn while the targets are found (three browser engines started and probed): neither is
  // timed, and discovery was on the way to the first number after the dataset. The first job waits for both.
  const datasetStarted = performance.now();
  const setupPending = setUpRetrain(retrainOptions);
  // Its error is taken below, where it is awaited; a rejection meanwhile is not an unhandled one.
  setupPending.catch(() => undefined);
  let session: RunSession;
  try {
    session = await openRun({ config, log, out, signal, cwd });
  } catch (error) {
    await setupPending.catch(() => undefined);
    throw error;
  }
  phases.push({ phase: 'discovery', subject: 'targets', seconds: (performance.now() - datasetStarted) / 1000, detail: 'while the dataset is made' });
  // The browsers launched at discovery (./run.ts `started`) and the viewer's build run beside the untimed work (the dataset,
  // the plan, a warm run's checks of the head, the files and the evaluations); timed host work (bottlenecks) and jobs wait for them.
  const quiet = Promise.all([session.started, viewerBuilt]);
  let reportPath: string | undefined;
  // What is done so far, estimated and taken: the rest of the plan is scaled by their ratio.
  const progress = { estimated: 0, actual: 0 };
  const correction = () => (progress.estimated > 0 ? progress.actual / progress.estimated : 1);
  let left: PlannedPart[] = [];
  // While the first batch of a model runs, its later batch's jobs are still to come too.
  let laterInPart = 0;
  const etaAfter = () => (left.reduce((sum, part) => sum + partSeconds(part), 0) + laterInPart) * correction();
  try {
    const datasetEstimate = shippedDatasetSeconds(config, basis, datasetMade);
    left = await estimateParts(order, session, options, basis);
    const unknown = left.reduce((sum, part) => sum + part.unknownJobs, 0) + left.filter((part) => part.host === undefined).length;
    const total = datasetEstimate + etaAfter();
    const first = left[0] ? `, ${left[0].subject} measured in ~${formatDuration(datasetEstimate + partSeconds(left[0]))}` : '';
    const what = unknown ? `~${formatDuration(total)} for what the figures cover, ${unknown} part${unknown === 1 ? '' : 's'} not estimated (no figure for them)` : `~${formatDuration(total)} in all${first}`;
    log.info(`plan: ${what}; ${basis.line} (history first where there is one)`);

    const setup = await setupPending;
    phases.push({ phase: 'dataset', subject: 'dataset', seconds: setup.datasetSeconds, detail: '' });
    if (datasetEstimate > 0) {
      progress.estimated += datasetEstimate;
      progress.actual += setup.datasetSeconds;
    }

    // The table grows by the rows each batch adds; the report holds them all.
    const shownRows = new Set<string>();
    const measure = async (ids: string[], keep: (artifact: ArtifactInfo) => boolean = () => true, part?: PlannedPart, partStarted?: number): Promise<void> => {
      const models = await runnableModels(out, ids, log);
      if (withArtifacts(models, keep).length > 0) {
        await quiet;
        const timings = await session.measure(models, { etaAfter, fallbackEstimate: (planned) => shippedEstimate(planned, config, basis).seconds, only: keep, oneRoundWhenUnchanged: true });
        phases.push(...runPhases(timings));
        const fresh = unshown(session.store.record, shownRows);
        if (fresh.measurements.length || fresh.failures.length) for (const line of formatSummary(fresh)) log.info(line);
        reportPath = await writeReport(session.store.record, out);
        log.info(`report so far (${ids.join(', ')} measured): ${reportPath}`);
      }
      if (part && partStarted !== undefined && partSeconds(part) > 0 && part.unknownJobs === 0 && part.host !== undefined) {
        progress.estimated += partSeconds(part);
        progress.actual += (performance.now() - partStarted) / 1000;
      }
      const rest = etaAfter();
      if (left.length && rest > 0 && laterInPart === 0) log.info(`ETA ~${formatDuration(rest)} for ${left.map((entry) => entry.subject).join(', ')} (the estimates ×${correction().toFixed(2)}: what is done took that against its estimate)`);
    };

    for (const [index, id] of order.entries()) {
      if (signal.aborted) break;
      const part = left.shift();
      const partStarted = performance.now();
      log.info(`== ${id} (${index + 1}/${order.length}): retrain, convert, measure`);
      let retrained: RetrainedModel;
      try {
        retrained = await retrainModel(id, setup, { ...retrainOptions, quietBefore: quiet });
      } catch (error) {
        if (signal.aborted) throw error;
        log.error(`${id}: ${(error as Error).message}`);
        failed.push(id);
        continue;
      }
      log.info(retrainedLine(retrained));
      phases.push(...retrainPhases(retrained));
      // The reference is made on the other core while the first variants convert; the first jobs need it (agreement).
      const references = prefetchReferences([retrained], { config, log, out, signal });
      const conversion: PhaseTiming = { phase: 'conversion', subject: id, seconds: 0, detail: '' };
      phases.push(conversion);
      const counts = { written: 0, reused: 0 };
      // Only the first model's: later ones convert everything while their reference is made (InceptionV3's takes
      // ~35 s on tfjs-wasm, longer than its float32 conversion), and nobody is waiting for a first number then.
      const batches = index === 0 ? variantBatches(config.convert.variants) : [[...config.convert.variants]];
      let converting = true;
      let reference: PrefetchedReference | undefined;
      for (const [batch, variants] of batches.entries()) {
        if (signal.aborted) break;
        if (converting && variants.length) {
          const converted = await convert(retrained, variants, options, failed).catch(async (error: unknown) => {
            await references;
            throw error;
          });
          converting = converted.ok;
          conversion.seconds += converted.artifacts.reduce((sum, entry) => sum + entry.seconds, 0);
          for (const entry of converted.artifacts) counts[entry.reused ? 'reused' : 'written'] += 1;
          conversion.detail = `${counts.written} written, ${counts.reused} reused${batches.length > 1 ? ` (${batches.map((entry) => entry.join(', ')).join(' first, then ')})` : ''}`;
        }
        if (batch === 0) [reference] = (await references).filter((entry) => !entry.cached);
        const last = batch === batches.length - 1;
        laterInPart = last ? 0 : (part?.laterJobs ?? 0);
        await measure([id], (artifact) => inBatch(artifact, variants, batch === 0), last ? part : undefined, partStarted);
      }
      // The reference made during conversion shows its own time (the run then read it from the cache).
      replaceReferencePhase(phases, reference);
    }
    if (!signal.aborted) {
      const users = await importUserModels(config, out, log, cwd);
      if (users.length) {
        log.info(`== your models: ${users.join(', ')}`);
        await measure(users);
      }
    }
  } finally {
    // An error before the dataset was awaited: it still finishes (or stops on the signal) before the targets close.
    await setupPending.catch(() => undefined);
    await session.close();
  }
  const { store } = session;
  // The last version of the report has the record's final status.
  const reportStarted = performance.now();
  reportPath = await writeReport(store.record, out);
  phases.push({ phase: 'report', subject: 'report', seconds: (performance.now() - reportStarted) / 1000, detail: '' });
  if (signal.aborted) log.warn(`interrupted: ${store.record.measurements.length} measurement(s) kept in ${store.path}`);
  else log.info(`run record: ${store.path}`);
  log.info(`report: ${reportPath}`);
  const firstAt = firstResultAt(store.record);
  return {
    run: { runId: store.record.runId, recordPath: store.path, record: store.record, reportPath },
    phases,
    firstResultSeconds: firstAt === null ? null : Math.max(0, (firstAt - performance.timeOrigin) / 1000),
    failed,
  };
}

/** The report of the record as it stands (written to a temporary file, then renamed over the last one). */
async function writeReport(record: RunRecord, out: string): Promise<string> {
  return writeHtmlReport(record, { out, history: await loadHistory(out, record) });
}

/** Converts these variants of one model; a refused model is one line (ok false) and its Mobile artifact is still measured. */
async function convert(model: RetrainedModel, variants: ArtifactVariant[], options: StreamOptions, failed: string[]): Promise<{ artifacts: ConvertedArtifact[]; ok: boolean }> {
  const { config, log, out, signal } = options;
  try {
    const artifacts = await convertArtifacts({
      out,
      models: [model.model],
      variants,
      calibrationImages: config.convert.calibrationImages,
      io: config.convert.io,
      log,
      signal,
      ...(options.check ? { check: options.check } : {}),
      ...(options.tflite ? { calibrationRunner: options.tflite } : {}),
    });
    return { artifacts, ok: true };
  } catch (error) {
    if (signal.aborted || !(error instanceof UserError)) throw error;
    log.error(`${model.model}: ${firstLine(error)}`);
    failed.push(model.model);
    return { artifacts: [], ok: false };
  }
}

function retrainPhases(model: RetrainedModel): PhaseTiming[] {
  const { bottlenecks } = model;
  const rate = bottlenecks.computed && bottlenecks.inferenceSeconds ? `, ${(bottlenecks.computed / bottlenecks.inferenceSeconds).toFixed(1)} images/s` : '';
  return [
    { phase: 'bottlenecks', subject: model.model, seconds: bottlenecks.seconds, detail: `${bottlenecks.computed} computed on ${bottlenecks.engine}${rate}, ${bottlenecks.cached} cached` },
    { phase: 'training', subject: model.model, seconds: model.trainSeconds, detail: model.reused ? 'unchanged: head kept' : `${model.metadata.training.steps} steps` },
  ];
}

function runPhases(run: RunTimings): PhaseTiming[] {
  const phases: PhaseTiming[] = [];
  for (const reference of run.references) {
    const detail = reference.cached ? `cached (${reference.runtime}, ${reference.images} images)` : `${reference.runtime}, ${reference.images} images`;
    phases.push({ phase: 'reference', subject: reference.model, seconds: reference.seconds, detail });
  }
  for (const job of run.jobs) {
    const evaluated = job.reusedFrom ? `accuracy on ${job.images ?? 0} images reused from ${job.reusedFrom}` : `${job.images ?? 0} images evaluated`;
    const detail = !job.ok ? 'failed' : `${evaluated}${job.unchangedSince ? ', one round (unchanged)' : ''}`;
    phases.push({ phase: 'job', subject: job.id, seconds: job.seconds, detail });
  }
  return phases;
}

/** A reference made during conversion replaces the run's "cached" line for it, with the time it really took. */
function replaceReferencePhase(phases: PhaseTiming[], early: PrefetchedReference | undefined): void {
  if (!early) return;
  const index = phases.findIndex((phase) => phase.phase === 'reference' && phase.subject === early.model && phase.detail.startsWith('cached'));
  if (index >= 0) phases[index] = { phase: 'reference', subject: early.model, seconds: early.seconds, detail: `${early.runtime}, ${early.images} images, during conversion` };
}
