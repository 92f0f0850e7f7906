/**
 * `bench all --baseline <ref>`: bench all's artifacts built on this side
 * (retrain, then convert, each reused when nothing it reads changed), then
 * every job of the plan paired against the baseline exactly as `bench ab`
 * pairs it (./ab-run.ts: one implementation of the A/B). The retraining
 * workload is not paired (an A/B times inference); `bench all` without
 * --baseline streams model by model instead (harness/stream.ts).
 */
import { UserError } from '../core/errors.ts';
import { modelIds } from '../core/config.ts';
import { mergeOverrides, type CommandContext, type CommandIo } from './common.ts';
import { convertOverrides, tfliteNodeCheck } from './convert.ts';
import { retrainOverrides, runRetrain } from './retrain.ts';
import { modelOverrides, RUN_PATHS } from './run.ts';
import { runAbCommand } from './ab-run.ts';

export function runAllAb(args: Record<string, unknown>, data: unknown): Promise<number> {
  return runAbCommand(args, data as CommandIo | undefined, {
    runPaths: RUN_PATHS,
    modelOverrides,
    build: { command: 'bench all', overrides: mergeOverrides(retrainOverrides(args), convertOverrides(args)), artifacts: buildArtifacts },
  });
}

/** B's artifacts, as bench all makes them: retrained, then converted to every variant of the config. */
async function buildArtifacts(context: CommandContext, signal: AbortSignal): Promise<void> {
  const retrained = await runRetrain(context, signal);
  if (retrained.models.length === 0) throw new UserError('bench all --baseline: no model retrained, nothing to pair', 'NO_ARTIFACTS');
  const { convertArtifacts } = await import('../../models/tflite/index.ts');
  const { tfliteHostRunner } = await import('../../targets/node/tflite-host.ts');
  const { config, log, out } = context;
  await convertArtifacts({ out, models: modelIds(config), variants: config.convert.variants, calibrationImages: config.convert.calibrationImages, io: config.convert.io, log, signal, check: tfliteNodeCheck(), calibrationRunner: tfliteHostRunner });
}
