/**
 * `bench profile`: where one inference's time goes, per layer (TF.js) or
 * block (TFLite), on each Node and page runtime, with FLOPs, GFLOP/s and what
 * tflite-node's XNNPACK path took. Writes a run record holding the profiles
 * (`bench report` renders them) and prints the tables. Exit 0 when at least
 * one runtime was profiled.
 */
import { defineCommand } from 'citty';
import { UserError } from '../core/errors.ts';
import { commonArgs, countFlag, list, overridesFrom, setup, type CommandIo } from './common.ts';

export default defineCommand({
  meta: { name: 'profile', description: 'Where the time goes: a per-layer profile of one inference on each Node and page runtime (tf.profile; prefix models on tflite-node and LiteRT.js), with FLOPs, GFLOP/s and XNNPACK coverage' },
  args: {
    ...commonArgs,
    model: { type: 'string', description: 'Retrained (or imported) model ids in the out folder, comma-separated (default: the configured models)', valueHint: 'ids' },
    backends: { type: 'string', description: 'Runtimes to profile, comma-separated: tfjs-wasm, tfjs-cpu, tflite-node on Node; browser:tfjs-wasm, browser:tfjs-webgl, browser:tfjs-webgpu, browser:tfjs-cpu, browser:litert-wasm, browser:litert-webgpu in browsers (default tfjs-wasm,tflite-node,browser:tfjs-wasm,browser:litert-wasm)', valueHint: 'list' },
    variants: { type: 'string', description: 'tflite-node and browser:litert-* variants, comma-separated (default float32,float16,int8-dynamic,int8)', valueHint: 'list' },
    browser: { type: 'string', description: 'Browsers for the browser:* runtimes, names or paths, comma-separated (default every browser found)', valueHint: 'list' },
    cuts: { type: 'string', description: 'Prefix models per variant on tflite-node, cut where one tensor carries the network on (default 12)', valueHint: 'n' },
    'cut-after': { type: 'string', description: 'Cut after these layers instead, comma-separated', valueHint: 'layers' },
    threads: { type: 'string', description: 'CPU threads for tflite-node (default: every core)', valueHint: 'n' },
    'min-samples': { type: 'string', description: 'Inferences per timing loop, at least (default 10)', valueHint: 'n' },
    'min-time': { type: 'string', description: 'Each timing loop runs at least this many ms (default 1000)', valueHint: 'ms' },
  },
  async run({ args, data }) {
    const context = await setup(args, overridesFrom(args, { threads: ['run.threads', 'number'], browser: ['browser.browsers', 'list'] }), data as CommandIo | undefined, { out: 'lock', command: 'bench profile' });
    try {
      const { PROFILE_VARIANTS, profileModels } = await import('../profile.ts');
      const variants = list(args.variants) ?? [...PROFILE_VARIANTS];
      const wrong = variants.filter((variant) => !(PROFILE_VARIANTS as readonly string[]).includes(variant));
      if (wrong.length) throw new UserError(`--variants: unknown ${wrong.join(', ')}; use ${PROFILE_VARIANTS.join(', ')}`, 'PROFILE_VARIANT');
      const runtimes = list(args.backends) ?? ['tfjs-wasm', 'tflite-node', 'browser:tfjs-wasm', 'browser:litert-wasm'];
      const count = countFlag(args, 'cuts', { min: 1, max: 200, what: 'prefix models' });
      const after = list(args['cut-after']);
      const models = list(args.model) ?? context.config.models.filter((entry): entry is string => typeof entry === 'string');
      const outcome = await profileModels({
        config: context.config,
        log: context.log,
        out: context.out,
        cwd: context.cwd,
        models,
        runtimes,
        variants: variants as (typeof PROFILE_VARIANTS)[number][],
        cuts: after ? { after } : { count: count ?? 12 },
        budget: { minSamples: countFlag(args, 'min-samples', { min: 1, max: 10_000, what: 'inferences' }) ?? 10, minTimeMs: countFlag(args, 'min-time', { min: 0, max: 600_000, what: 'ms' }) ?? 1000 },
      });
      const { profileMarkdown } = await import('../../reports/profile.ts');
      const profiles = outcome.record.profiles ?? [];
      for (const line of profileMarkdown(profiles)) context.log.info(line);
      context.log.result({ runId: outcome.record.runId, record: outcome.recordPath, profiles });
      return profiles.some((profile) => profile.runtimes.length > 0) ? 0 : 1;
    } finally {
      context.lock?.release();
    }
  },
});
