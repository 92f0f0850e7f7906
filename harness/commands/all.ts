import { defineCommand } from 'citty';
import { workloadsOf } from '../core/config.ts';
import { commonArgs, datasetArgs, mergeOverrides, setup, type CommandIo } from './common.ts';
import { convertOverrides, tfliteNodeCheck, variantArgs } from './convert.ts';
import { runArgs, runDryRun, runOverrides } from './run.ts';
import { retrainArgs, retrainOverrides, runRetrain } from './retrain.ts';
import { formatDuration } from '../estimate.ts';
import { loadHistory } from '../history.ts';
import { withInterrupt } from '../interrupt.ts';
import type { RetrainOutcome } from '../../models/retrain.ts';
import type { ConvertedArtifact } from '../../models/tflite/index.ts';
import type { PrefetchedReference } from '../references.ts';
import type { RunTimings } from '../run.ts';

/** The wall time of one phase of `bench all`: what the README's cost figures and `npm run benchmark:all` are made of. */
export interface PhaseTiming {
  phase: 'dataset' | 'bottlenecks' | 'training' | 'conversion' | 'reference' | 'job' | 'report';
  /** The model, or the job's key id, it belongs to. */
  subject: string;
  seconds: number;
  /** What happened in words: `840 computed on tflite-node`, `cached`, `88 images` … */
  detail: string;
}

function phaseTimings(retrained: RetrainOutcome, converted: ConvertedArtifact[], prefetched: PrefetchedReference[], run: RunTimings): PhaseTiming[] {
  const phases: PhaseTiming[] = [{ phase: 'dataset', subject: 'dataset', seconds: retrained.datasetSeconds, detail: '' }];
  for (const model of retrained.models) {
    const { bottlenecks } = model;
    const rate = bottlenecks.computed && bottlenecks.inferenceSeconds ? `, ${(bottlenecks.computed / bottlenecks.inferenceSeconds).toFixed(1)} images/s` : '';
    phases.push({ phase: 'bottlenecks', subject: model.model, seconds: bottlenecks.seconds, detail: `${bottlenecks.computed} computed on ${bottlenecks.engine}${rate}, ${bottlenecks.cached} cached` });
    phases.push({ phase: 'training', subject: model.model, seconds: model.trainSeconds, detail: model.reused ? 'unchanged: head kept' : `${model.metadata.training.steps} steps` });
  }
  for (const model of [...new Set(converted.map((entry) => entry.model))]) {
    const files = converted.filter((entry) => entry.model === model);
    const written = files.filter((entry) => !entry.reused);
    phases.push({ phase: 'conversion', subject: model, seconds: files.reduce((sum, entry) => sum + entry.seconds, 0), detail: `${written.length} written, ${files.length - written.length} reused` });
  }
  // A reference made during conversion shows its own time (it overlapped conversion); the run then read it from the cache.
  for (const reference of run.references) {
    const early = prefetched.find((entry) => entry.model === reference.model && !entry.cached);
    const shown = reference.cached && early ? early : reference;
    const detail = shown.cached ? `cached (${shown.runtime}, ${shown.images} images)` : `${shown.runtime}, ${shown.images} images${shown === early ? ', during conversion' : ''}`;
    phases.push({ phase: 'reference', subject: reference.model, seconds: shown.seconds, detail });
  }
  for (const job of run.jobs) {
    const detail = !job.ok ? 'failed' : job.reusedFrom ? `accuracy on ${job.images ?? 0} images reused from ${job.reusedFrom}` : `${job.images ?? 0} images evaluated`;
    phases.push({ phase: 'job', subject: job.id, seconds: job.seconds, detail });
  }
  return phases;
}

export default defineCommand({
  meta: {
    name: 'all',
    description: 'The whole job: retrain, convert to .tflite, benchmark on every target found, and write the HTML report',
  },
  args: {
    ...commonArgs,
    ...datasetArgs,
    ...retrainArgs,
    ...variantArgs,
    ...runArgs,
  },
  async run({ args, data }) {
    // The flag sets map onto disjoint config sections.
    // A dry run writes nothing: it only reads the out folder (no lock, no folder made).
    const dry = Boolean(args['dry-run']);
    const resolved = await setup(args, mergeOverrides(retrainOverrides(args), convertOverrides(args), runOverrides(args)), data as CommandIo | undefined, dry ? { out: 'read' } : { out: 'lock', command: 'bench all' });
    // bench all measures retraining on every target too, unless the config or --workload says otherwise: its own default, in a config of its own (the resolved one is never changed).
    const context = { ...resolved, config: { ...resolved.config, run: { ...resolved.config.run, workloads: workloadsOf(resolved.config, ['infer', 'retrain']) } } };
    const { log } = context;
    if (dry) return runDryRun(context, { prospective: true });
    return withInterrupt(log, async (signal) => {
      const started = performance.now();
      log.info('== retrain');
      const retrained = await runRetrain(context, signal);
      if (retrained.models.length === 0) return 1;

      log.info('== convert');
      // The agreement references need only the Mobile artifacts: they are made on the other core while conversion runs.
      const { prefetchReferences } = await import('../references.ts');
      const references = prefetchReferences(retrained.models, { config: context.config, log, out: context.out, signal });
      const { convertArtifacts } = await import('../../models/tflite/index.ts');
      const converted = await convertArtifacts({
        out: context.out,
        models: retrained.models.map((model) => model.model),
        variants: context.config.convert.variants,
        calibrationImages: context.config.convert.calibrationImages,
        io: context.config.convert.io,
        log,
        signal,
        check: tfliteNodeCheck(),
      }).finally(() => references);
      const prefetched = await references;

      log.info('== run');
      const { runBenchmarks } = await import('../run.ts');
      const run = await runBenchmarks({ config: context.config, log, out: context.out, signal });

      log.info('== report');
      const reportStarted = performance.now();
      const { writeHtmlReport } = await import('../../reports/index.ts');
      const reportPath = await writeHtmlReport(run.record, { out: context.out, history: await loadHistory(context.out, run.record) });
      log.info(`report: ${reportPath}`);
      const phases = [...phaseTimings(retrained, converted, prefetched, run.timings), { phase: 'report' as const, subject: 'report', seconds: (performance.now() - reportStarted) / 1000, detail: '' }];
      const totalSeconds = (performance.now() - started) / 1000;
      log.info(`bench all took ${formatDuration(totalSeconds)} (${run.timings.jobs.length} jobs; --json lists every phase)`);
      log.result({ runId: run.runId, record: run.recordPath, report: reportPath, totalSeconds, phases });
      return run.record.measurements.length > 0 ? 0 : 1;
    }).finally(() => context.lock?.release());
  },
});
