/**
 * `bench profile`: where one inference's time goes, per model and runtime.
 * The model's FLOPs per layer come from the converter's graph; each runtime
 * is profiled by the best method it allows (targets/node/profile-runners.ts:
 * tf.profile on TF.js backends, prefix-model attribution and XNNPACK
 * coverage on tflite-node) beside its own p50. The profiles go into a run
 * record of their own (`profiles`), so `bench report` renders them like any
 * run. Browser and phone runtimes (`browser:tfjs-wasm`,
 * `android:tflite-benchmark-model` …) are profiled through their target's
 * own job flow (./profile-targets.ts).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { listArtifacts } from './artifacts.ts';
import type { ResolvedConfig } from './core/config.ts';
import { UserError } from './core/errors.ts';
import { readEvalPack } from './core/eval-pack.ts';
import { recordGit } from './core/git.ts';
import { hostInfo } from './core/host.ts';
import { evalPackDir } from './core/layout.ts';
import type { Logger } from './core/log.ts';
import type { ModelProfile, RuntimeProfile } from './core/profile.ts';
import type { RunRecord } from './core/record.ts';
import { RunRecordStore } from './record-store.ts';
import { configuredPeak } from './core/roofline.ts';
import type { Target } from '../targets/types.ts';
import type { ConvertOptions } from '../models/tflite/convert.ts';
import { openTargetProfiler, profileTargetRuntime, TARGET_PROFILE_RUNTIMES, targetRuntimeOf, type TargetProfiler, type ProfileTargetKind } from './profile-targets.ts';

/** Runtimes `bench profile` can profile, in the order it runs them. */
export const PROFILE_RUNTIMES = ['tfjs-wasm', 'tfjs-cpu', 'tflite-node'] as const;
export const PROFILE_VARIANTS = ['float32', 'float16', 'int8-dynamic', 'int8'] as const;

/**
 * The runtimes a run measured, as `bench profile` names them (`tfjs-wasm`,
 * `browser:litert-wasm`, `android:tflite-benchmark-model`): what
 * `bench run --profile` profiles after the run. Runtimes no profile method
 * reaches (tflite-node's GPU delegate, Node WebGPU…) are left out.
 */
export function profileRuntimesOf(record: Pick<RunRecord, 'measurements'>): string[] {
  const names = record.measurements.map((measurement) => (measurement.key.target === 'node' ? measurement.key.runtime : `${measurement.key.target}:${measurement.key.runtime}`));
  return [...new Set(names)].filter((name) => (PROFILE_RUNTIMES as readonly string[]).includes(name) || targetRuntimeOf(name));
}

export interface ProfileOptions {
  config: ResolvedConfig;
  log: Logger;
  out: string;
  cwd: string;
  models: string[];
  runtimes: string[];
  variants: (typeof PROFILE_VARIANTS)[number][];
  /** Cut points for prefix attribution: how many (automatic), or after which layers. */
  cuts: { count?: number; after?: string[] };
  budget: { minSamples: number; minTimeMs: number };
  /** Targets for the `browser:` and `android:` runtimes (default the built-in ones; tests inject a phone's). */
  targets?: Partial<Record<ProfileTargetKind, Target>>;
}

export interface ProfileOutcome {
  record: RunRecord;
  recordPath: string;
}

export async function profileModels(options: ProfileOptions): Promise<ProfileOutcome> {
  const { log, out } = options;
  const unknown = options.runtimes.filter((runtime) => !(PROFILE_RUNTIMES as readonly string[]).includes(runtime) && !targetRuntimeOf(runtime));
  const elsewhere = Object.entries(TARGET_PROFILE_RUNTIMES).map(([kind, runtimes]) => `${runtimes.map((runtime) => `${kind}:${runtime}`).join(', ')} on ${kind === 'browser' ? 'browsers' : 'phones'}`);
  if (unknown.length) throw new UserError(`bench profile cannot profile ${unknown.join(', ')}; it profiles ${PROFILE_RUNTIMES.join(', ')} on Node, ${elsewhere.join(', ')}`, 'PROFILE_RUNTIME');
  const listing = await listArtifacts(out, options.models);
  for (const missing of listing.missing) log.warn(`${missing.model}: skipped, ${missing.reason}`);
  if (listing.models.length === 0) throw new UserError(`nothing to profile: no model among ${options.models.join(', ')} in ${out} (run \`bench retrain\` first)`, 'NO_ARTIFACTS');

  const store = RunRecordStore.create(out, {
    host: hostInfo(),
    ...recordGit(options.cwd),
    config: options.config,
    artifacts: listing.models.flatMap((model) => model.artifacts),
    training: [],
    runtimeSizes: [],
  });
  const { loadModelToConvert } = await import('../models/tflite/load.ts');
  const { prepareModel } = await import('../models/tflite/convert.ts');
  const { modelFlops } = await import('../models/tflite/flops.ts');
  const { randomPixels } = await import('../models/tflite/self-check.ts');
  const { probeShapes } = await import('../models/tflite/peak-probes.ts');
  const runners = await import('../targets/node/profile-runners.ts');
  const threads = options.config.run.threads ?? availableParallelism();
  const peakOf = (runtime: string, variant: string) => {
    const peak = configuredPeak(options.config.profile.peakGflops, runtime, variant);
    return peak ? { peak } : {};
  };
  // Browsers and phones are discovered once per kind, only when one of their runtimes is asked for; their absence skips those runtimes with why.
  const opened = new Map<ProfileTargetKind, TargetProfiler | string>();
  const profilerOf = async (kind: ProfileTargetKind): Promise<TargetProfiler | string> => {
    let found = opened.get(kind);
    if (found === undefined) {
      const target = options.targets?.[kind];
      found = await openTargetProfiler({ kind, config: options.config, log, out, budget: options.budget, ...(target ? { target } : {}) }).catch((error: unknown) => `no ${kind} to profile on: ${error instanceof Error ? error.message : String(error)}`);
      if (typeof found !== 'string' && found.devices.length === 0) {
        await found.close();
        found = `no usable ${kind === 'browser' ? 'browser' : 'phone'}${found.unusable.length ? ` (${found.unusable.map((entry) => `${entry.name}: ${entry.reason}`).join('; ')})` : ''}`;
      }
      opened.set(kind, found);
    }
    return found;
  };
  try {
    for (const entry of listing.models) {
      const mobile = entry.artifacts.find((artifact) => artifact.format === 'tfjs');
      if (!mobile) {
        log.warn(`${entry.model}: skipped, it has no TF.js model to count and cut (a .tflite alone cannot be profiled yet)`);
        continue;
      }
      const { metadata } = entry;
      const source = await loadModelToConvert(mobile.path);
      const prepared = prepareModel(source);
      const cost = modelFlops(prepared.graph);
      const probes = probeShapes(prepared.graph);
      const inputShape = [1, metadata.inputSize, metadata.inputSize, 3];
      const packDir = evalPackDir(out, entry.model);
      const pixels = existsSync(packDir) ? (await readEvalPack(packDir)).images.slice(0, metadata.inputSize * metadata.inputSize * 3) : randomPixels(1, inputShape, 'profile');
      // int8 needs calibration ranges: random pixels in the model's input range serve for timing (not for accuracy).
      const convertOptions = (variant: (typeof PROFILE_VARIANTS)[number]): ConvertOptions => {
        const calibration = variant === 'int8' ? Float32Array.from(randomPixels(8, inputShape, 'profile-calibration'), (pixel) => pixel * metadata.normalization.scale + metadata.normalization.offset) : undefined;
        return { variant, normalization: metadata.normalization, ...(calibration ? { calibration } : {}) };
      };
      const runtimes: RuntimeProfile[] = [];
      const skipped: ModelProfile['skipped'] = [];
      const attempt = async (runtime: string, variant: string, work: () => Promise<RuntimeProfile>) => {
        log.info(`${entry.model}: profiling ${runtime}${variant === 'tfjs' ? '' : ` ${variant}`}`);
        try {
          runtimes.push(await work());
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          log.warn(`${entry.model}: ${runtime} ${variant}: ${reason}`);
          skipped.push({ runtime, variant, reason });
        }
      };
      for (const runtime of options.runtimes) {
        const elsewhere = targetRuntimeOf(runtime);
        if (elsewhere) {
          const profiler = await profilerOf(elsewhere.kind);
          await profileTargetRuntime({ name: runtime, runtime: elsewhere.runtime, profiler, model: { id: entry.model, artifacts: entry.artifacts, mobile, metadata, prepared, cost, packDir, convertOptions }, variants: options.variants, config: options.config, out, cuts: options.cuts, budget: options.budget, attempt, skipped });
        } else if (runtime === 'tflite-node') {
          for (const variant of options.variants) {
            const { calibration } = convertOptions(variant);
            const artifact = entry.artifacts.find((candidate) => candidate.format === 'tflite' && candidate.variant === variant);
            await attempt(runtime, variant, () =>
              runners.profileTfliteNode({ ...peakOf(runtime, variant), prepared, variant, metadata, ...(calibration ? { calibration } : {}), ...(artifact ? { artifactPath: artifact.path } : {}), pixels, cost, cuts: options.cuts, threads, budget: options.budget }),
            );
          }
        } else {
          await attempt(runtime, 'tfjs', () => runners.profileNodeTfjs({ ...peakOf(runtime, 'tfjs'), probeShapes: probes, runtime, modelJsonPath: mobile.path, metadata, pixels, cost, budget: options.budget }));
        }
      }
      if ('dispose' in source && typeof source.dispose === 'function') source.dispose();
      const topLayers = [...cost.layers].sort((a, b) => b.flops - a.flops).slice(0, 10);
      store.addProfile({ model: entry.model, flops: cost.flops, macs: cost.macs, weightBytes: cost.weightBytes, topLayers, runtimes, skipped });
    }
  } finally {
    for (const profiler of opened.values()) if (typeof profiler !== 'string') await profiler.close();
  }
  store.finish('complete');
  return { record: store.record, recordPath: store.path };
}

