/**
 * `bench profile` on browsers and phones (`browser:tfjs-wasm`,
 * `browser:litert-wasm`, `android:tflite-benchmark-model` …): each profile is
 * an ordinary job run through its target's own flow with a `profile` request
 * on it. A page (a desktop browser's or a phone's: targets/page/job-flow.ts)
 * measures the job's p50 with the shared kernel, then profiles it
 * (targets/page/app/profile.ts): tf.profile with the kernels attributed to
 * layers by the module Node uses, or each prefix model timed on LiteRT.js
 * (the prefix times become blocks here, as for tflite-node). A phone's
 * native lane runs benchmark_model with its op profiling on
 * (targets/android/native-job.ts).
 */
import type { ResolvedConfig } from './core/config.ts';
import type { Logger } from './core/log.ts';
import type { ModelMetadata } from './core/metadata.ts';
import { achievedGflops, type LayerFlops, type ModelCost, type Peak, type ProfileBudget, type ProfileRequest, type RawProfile, type RuntimeProfile } from './core/profile.ts';
import type { ArtifactInfo, ArtifactVariant } from './core/record.ts';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DiscoveredDevice, JobSpec, Target, TargetContext } from '../targets/types.ts';
import { keyedJob } from '../targets/result.ts';
import { targetFactories } from './targets.ts';
import { attributeBlocks, type Block } from '../models/tflite/prefix.ts';
import type { ConvertOptions, PreparedModel, Variant } from '../models/tflite/convert.ts';
import { describeFiles } from './artifacts.ts';
import { assertSafeSegment } from './core/path-segment.ts';
import { writeFileAtomic } from './core/safe-fs.ts';
import { configuredPeak } from './core/roofline.ts';

/** The page runtimes `bench profile` profiles, named `browser:<runtime>` or `android:<runtime>` (Chrome on phones). */
export const PAGE_PROFILE_RUNTIMES = ['tfjs-wasm', 'tfjs-webgl', 'tfjs-webgpu', 'tfjs-cpu', 'litert-wasm', 'litert-webgpu'] as const;
/** Runtimes by target kind, as `<kind>:<runtime>` names them. */
export const TARGET_PROFILE_RUNTIMES = { browser: [...PAGE_PROFILE_RUNTIMES], android: [...PAGE_PROFILE_RUNTIMES, 'tflite-benchmark-model'] } as const;
export type ProfileTargetKind = keyof typeof TARGET_PROFILE_RUNTIMES;

/** `browser:tfjs-wasm` → its kind and runtime; undefined for a Node runtime or an unknown one. */
export function targetRuntimeOf(name: string): { kind: ProfileTargetKind; runtime: string } | undefined {
  const [kind, runtime] = name.split(':', 2) as [string, string | undefined];
  if (!runtime || !(kind in TARGET_PROFILE_RUNTIMES)) return undefined;
  return (TARGET_PROFILE_RUNTIMES[kind as ProfileTargetKind] as readonly string[]).includes(runtime) ? { kind: kind as ProfileTargetKind, runtime } : undefined;
}

/** How a runtime profiles where it runs. */
export function profileMethodOf(runtime: string): 'tf.profile' | 'prefix-attribution' | 'benchmark_model' {
  return runtime.startsWith('tfjs-') ? 'tf.profile' : runtime.startsWith('litert-') ? 'prefix-attribution' : 'benchmark_model';
}

/** One page job to profile: the artifact, and what the page is asked to do with it. */
export interface PageProfileJob {
  runtime: string;
  artifact: ArtifactInfo;
  variant: string;
  request: ProfileRequest;
  /** The prefix models' blocks, in cut order (prefix attribution only). */
  blocks?: Block[];
}

/** The devices of one target kind found (the configured ones), the target still open: `close` lets go of them. */
export interface TargetProfiler {
  devices: DiscoveredDevice[];
  /** Devices asked for that cannot be used, with why. */
  unusable: { name: string; reason: string }[];
  /** `peak`: the configured one (the request then asks for no probe). */
  profile(device: DiscoveredDevice, job: PageProfileJob, model: { metadata: ModelMetadata; evalPackDir: string; cost: ModelCost }, peak?: Peak): Promise<RuntimeProfile>;
  close(): Promise<void>;
}

export const layerFlopsOf = (cost: ModelCost): LayerFlops => Object.fromEntries(cost.layers.map((layer) => [layer.layer, { flops: layer.flops, bytes: layer.bytes }]));

/** The kind's target, discovered once for the whole profile (`target` given: tests inject one). */
export async function openTargetProfiler(options: { kind: ProfileTargetKind; config: ResolvedConfig; log: Logger; out: string; budget: ProfileBudget; signal?: AbortSignal; target?: Target }): Promise<TargetProfiler> {
  const target: Target = options.target ?? (await targetFactories[options.kind]());
  const context: TargetContext = { config: options.config, log: options.log, out: options.out, signal: options.signal ?? new AbortController().signal };
  let found: DiscoveredDevice[];
  try {
    found = await target.discover(context);
    await target.prepare?.(context, found);
  } catch (error) {
    await target.dispose?.();
    throw error;
  }
  return {
    devices: found.filter((device) => device.usable),
    unusable: found.filter((device) => !device.usable).map((device) => ({ name: device.device.name, reason: device.reason ?? 'unusable' })),
    async profile(device, job, model, peak) {
      const status = device.runtimes.find((runtime) => runtime.runtime === job.runtime);
      if (!status?.available) throw new Error(`${job.runtime} is unavailable in ${device.device.name}${status?.reason ? `: ${status.reason}` : ''}`);
      const spec: JobSpec = {
        artifact: job.artifact,
        metadata: model.metadata,
        evalPackDir: model.evalPackDir,
        device: device.device,
        runtime: job.runtime,
        // The job's p50 is the kernel's own loop over the same budget as the profile's; no evaluation.
        kernel: { warmupIterations: 1, minSamples: options.budget.minSamples, minTimeMs: options.budget.minTimeMs, maxTimeMs: Math.max(options.budget.minTimeMs * 4, 30_000), batchSize: 1, evaluate: false },
        runtimeOptions: {},
        profile: job.request,
      };
      const result = await target.run(keyedJob(target, spec, options.config), context);
      if (!result.ok) throw new Error(`${result.failure.phase}: ${result.failure.error.message.split('\n')[0]}`);
      if (!result.profile) throw new Error('the page answered without a profile (a page older than this host?)');
      const profile = pageRuntimeProfile({ runtime: job.runtime, variant: job.variant, device: device.device.name, p50Ms: result.measurement.latency.p50, raw: result.profile, cost: model.cost, ...(job.blocks ? { blocks: job.blocks } : {}) });
      const found = peak ?? ('peak' in result.profile ? result.profile.peak : undefined);
      // A GPU runtime on a CPU emulation (SwiftShader) times the emulation's kernels: say so on the profile.
      const why = status.software ? [profile.why, `on a ${status.software}: its times are a CPU emulation's, not a GPU's`].filter(Boolean).join('; ') : profile.why;
      return { ...profile, ...(found ? { peak: found } : {}), ...(why ? { why } : {}) };
    },
    close: async () => {
      await target.dispose?.();
    },
  };
}

/** A page's raw profile as the record's RuntimeProfile, beside the job's p50 measured in the same page. */
export function pageRuntimeProfile(options: { runtime: string; variant: string; device: string; p50Ms: number; raw: RawProfile; cost: ModelCost; blocks?: Block[] }): RuntimeProfile {
  const { raw, p50Ms } = options;
  const ratio = (sum: number | null) => (sum === null || !(p50Ms > 0) ? null : sum / p50Ms);
  const gflops = achievedGflops(options.cost.flops, p50Ms);
  if (raw.method === 'benchmark_model') {
    // The tool's own per-op averages over the same runs as its p50 (op profiling on: both include its cost).
    const sumMs = raw.rows.reduce((total, row) => total + (row.ms ?? 0), 0);
    return {
      runtime: options.runtime,
      variant: options.variant,
      device: options.device,
      method: 'benchmark_model',
      timed: true,
      why: `benchmark_model's op profile (--enable_op_profiling=true), ${raw.rows.length} nodes per inference${raw.profiledAvgMs !== undefined ? `; its profiled runs averaged ${raw.profiledAvgMs.toFixed(2)} ms` : ''}`,
      rows: raw.rows,
      sumMs,
      p50Ms,
      ratio: ratio(sumMs),
      ...(raw.coverage ? { coverage: raw.coverage } : {}),
      gflops,
    };
  }
  if (raw.method === 'tf.profile') {
    const why = raw.attribution === 'kernels' ? 'a graph model: kernels grouped by kernel name (its nodes are not marked as layers are)' : raw.why;
    return { runtime: options.runtime, variant: 'tfjs', device: options.device, method: 'tf.profile', timed: raw.timed, ...(why ? { why } : {}), rows: raw.rows, sumMs: raw.sumMs, p50Ms, ratio: ratio(raw.sumMs), overheadMs: raw.wallMs - p50Ms, gflops };
  }
  const blocks = options.blocks;
  if (!blocks) throw new Error('prefix times came back without the blocks they time');
  if (raw.ms.length !== blocks.length) throw new Error(`the page timed ${raw.ms.length} files for ${blocks.length} blocks`);
  const timed = attributeBlocks(blocks, raw.ms.slice(0, -1), raw.ms.at(-1)!);
  const sumMs = timed.reduce((total, block) => total + block.ms, 0);
  const negative = timed.filter((block) => block.ms < 0).length;
  return {
    runtime: options.runtime,
    variant: options.variant,
    device: options.device,
    method: 'prefix-attribution',
    timed: true,
    why: `an attribution: ${blocks.length - 1} prefix models, block cost = prefix-time difference (the first block carries the per-inference fixed cost)${negative ? `; ${negative} block${negative === 1 ? '' : 's'} cheaper than the noise (negative)` : ''}`,
    rows: timed.map((block) => ({ name: block.name, kind: block.kind, ms: block.ms, flops: block.flops, intensity: block.bytes > 0 ? block.flops / block.bytes : 0, count: block.ops })),
    sumMs,
    p50Ms,
    ratio: ratio(sumMs),
    gflops,
  };
}

/** A model as `bench profile` holds it while profiling: its files, its converter graph and FLOPs. */
export interface ProfiledModel {
  id: string;
  artifacts: ArtifactInfo[];
  mobile: ArtifactInfo;
  metadata: ModelMetadata;
  prepared: PreparedModel;
  cost: ModelCost;
  packDir: string;
  /** The converter's options for a variant (int8's calibration). */
  convertOptions(variant: Variant): ConvertOptions;
}

/**
 * One `<kind>:<runtime>` for one model: the Mobile artifact (TF.js runtimes)
 * or each variant (Lite runtimes) on every device of the kind; each profile
 * through `attempt` (which files a failure as skipped, with why).
 */
export async function profileTargetRuntime(args: {
  /** As `--backends` names it: `browser:litert-wasm`. */
  name: string;
  runtime: string;
  profiler: TargetProfiler | string;
  model: ProfiledModel;
  variants: readonly Variant[];
  config: ResolvedConfig;
  out: string;
  cuts: { count?: number; after?: string[] };
  budget: ProfileBudget;
  attempt(label: string, variant: string, work: () => Promise<RuntimeProfile>): Promise<void>;
  skipped: { runtime: string; variant: string; reason: string }[];
}): Promise<void> {
  const { name, runtime, profiler, model } = args;
  const method = profileMethodOf(runtime);
  const lite = method !== 'tf.profile';
  const { emitVariant } = await import('../models/tflite/convert.ts');
  for (const variant of lite ? args.variants : ['tfjs' as const]) {
    if (typeof profiler === 'string') {
      args.skipped.push({ runtime: name, variant, reason: profiler });
      continue;
    }
    // A variant not converted yet is converted here, into the out folder's cache, as tflite-node profiles it.
    let artifact = model.mobile;
    try {
      if (variant !== 'tfjs') artifact = model.artifacts.find((candidate) => candidate.format === 'tflite' && candidate.variant === variant) ?? (await convertedArtifact(args.out, model.id, variant, () => emitVariant(model.prepared, model.convertOptions(variant))));
    } catch (error) {
      args.skipped.push({ runtime: name, variant, reason: `cannot convert to ${variant}: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    const inputs = { metadata: model.metadata, evalPackDir: model.packDir, cost: model.cost };
    for (const device of profiler.devices) {
      await args.attempt(`${runtime} on ${device.device.name}`, variant, async () => {
        const peak = configuredPeak(args.config.profile.peakGflops, name, variant);
        const { peakProbeFiles, probeShapes } = await import('../models/tflite/peak-probes.ts');
        if (method === 'benchmark_model') return profiler.profile(device, { runtime, artifact, variant, request: { method, ...(peak || variant === 'tfjs' ? {} : { probes: await peakProbeFiles(model.prepared.graph, variant) }) } }, inputs, peak);
        if (variant === 'tfjs') return profiler.profile(device, { runtime, artifact, variant, request: { method: 'tf.profile', layerFlops: layerFlopsOf(model.cost), repeats: 3, probe: !peak, ...(peak ? {} : { probeShapes: probeShapes(model.prepared.graph) }) } }, inputs, peak);
        const { prefixModels } = await import('../models/tflite/prefix.ts');
        const convert = model.convertOptions(variant);
        const { files, blocks } = await prefixModels(model.prepared, convert, args.cuts);
        const full = await emitVariant(model.prepared, convert);
        const probes = peak ? undefined : await peakProbeFiles(model.prepared.graph, variant);
        const request = { method: 'prefix-attribution' as const, files: [...files, full], budget: args.budget, ...(probes ? { probes } : {}) };
        return profiler.profile(device, { runtime, artifact, variant, request, blocks }, inputs, peak);
      });
    }
  }
}

/** A variant the out folder has no file of, converted for the profile into `<out>/cache/profile/<model>/<variant>.tflite`. */
async function convertedArtifact(out: string, model: string, variant: ArtifactVariant, emit: () => Promise<Uint8Array>): Promise<ArtifactInfo> {
  const path = join(out, 'cache', 'profile', assertSafeSegment(model, 'model id'), `${variant}.tflite`);
  await mkdir(dirname(path), { recursive: true });
  writeFileAtomic(path, await emit(), { inside: out });
  const described = await describeFiles([path]);
  return { id: `${model}/tflite/${variant}`, model, format: 'tflite', variant, path, ...described };
}
