import { defineCommand } from 'citty';
import { commonArgs, datasetArgs, setup } from './common.ts';
import { convertOverrides, tfliteNodeCheck, variantArgs } from './convert.ts';
import { runArgs, runOverrides } from './run.ts';
import { retrainArgs, retrainOverrides, runRetrain } from './retrain.ts';
import { loadHistory } from '../history.ts';
import { withInterrupt } from '../interrupt.ts';

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
  async run({ args }) {
    // The flag sets map onto disjoint config sections.
    const context = await setup(args, { ...retrainOverrides(args), ...convertOverrides(args), ...runOverrides(args) }, undefined, { out: 'lock', command: 'bench all' });
    const { log } = context;
    return withInterrupt(log, async (signal) => {
      log.info('== retrain');
      const retrained = await runRetrain(context, signal);
      if (retrained.models.length === 0) return 1;

      log.info('== convert');
      const { convertArtifacts } = await import('../../models/tflite/index.ts');
      await convertArtifacts({
        out: context.out,
        models: retrained.models.map((model) => model.model),
        variants: context.config.convert.variants,
        calibrationImages: context.config.convert.calibrationImages,
        io: context.config.convert.io,
        log,
        signal,
        check: tfliteNodeCheck(),
      });

      log.info('== run');
      const { runBenchmarks } = await import('../run.ts');
      const run = await runBenchmarks({ config: context.config, log, out: context.out, signal });

      log.info('== report');
      const { writeHtmlReport } = await import('../../reports/index.ts');
      const reportPath = await writeHtmlReport(run.record, { out: context.out, history: await loadHistory(context.out, run.record) });
      log.info(`report: ${reportPath}`);
      log.result({ runId: run.runId, record: run.recordPath, report: reportPath });
      return run.record.measurements.length > 0 ? 0 : 1;
    }).finally(() => context.lock?.release());
  },
});
