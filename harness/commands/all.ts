import { defineCommand } from 'citty';
import { workloadsOf } from '../core/config.ts';
import { commonArgs, datasetArgs, mergeOverrides, setup, type CommandIo } from './common.ts';
import { convertOverrides, tfliteNodeCheck, variantArgs } from './convert.ts';
import { profileAfterRun, profileArgs, runArgs, runDryRun, runOverrides } from './run.ts';
import { baselineArgs } from './baseline-args.ts';
import { retrainArgs, retrainOverrides } from './retrain.ts';
import { formatDuration } from '../estimate.ts';
import { withInterrupt } from '../interrupt.ts';

export default defineCommand({
  meta: {
    name: 'all',
    description: 'The whole job, model by model (smallest first): retrain, convert to .tflite, benchmark on every target found, and write the HTML report as each model is done',
  },
  args: {
    ...commonArgs,
    ...datasetArgs,
    ...retrainArgs,
    ...variantArgs,
    ...runArgs,
    ...profileArgs,
    ...baselineArgs,
  },
  async run({ args, data }) {
    // --baseline: the artifacts built as below, then paired against the baseline as bench ab pairs them (./ab-all.ts).
    if (args.baseline !== undefined) return (await import('./ab-all.ts')).runAllAb(args, data);
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
      // Host work on the fastest engine: native TFLite with XNNPACK (bottlenecks behind the feature guard, the conversion's self-check).
      const { tfliteHostRunner } = await import('../../targets/node/tflite-host.ts');
      const { streamAll } = await import('../stream.ts');
      const outcome = await streamAll({ config: context.config, log, out: context.out, cwd: context.cwd, signal, tflite: tfliteHostRunner, check: tfliteNodeCheck() });
      const totalSeconds = (performance.now() - started) / 1000;
      const { run } = outcome;
      const jobs = outcome.phases.filter((phase) => phase.phase === 'job').length;
      const first = outcome.firstResultSeconds === null ? '' : `, the first result after ${formatDuration(outcome.firstResultSeconds)}`;
      log.info(`bench all took ${formatDuration(totalSeconds)} (${jobs} jobs${first}; --json lists every phase)`);
      // --profile: after everything is measured, so the profile's own timing loops never delay a number.
      const profiled = args.profile && !signal.aborted ? await profileAfterRun(context, run.record) : undefined;
      log.result({ runId: run.runId, record: run.recordPath, report: run.reportPath, totalSeconds, firstResultSeconds: outcome.firstResultSeconds, phases: outcome.phases, ...(profiled ? { profile: profiled } : {}) });
      return run.record.measurements.length > 0 && outcome.failed.length === 0 ? 0 : 1;
    }).finally(() => context.lock?.release());
  },
});
