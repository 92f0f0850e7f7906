/**
 * The plan of a run: artifacts × devices × available runtimes (narrowed by
 * run.backends) × batch sizes, each a Job with its kernel options. `bench run`
 * runs it; `bench run --dry-run` only prints it with estimates.
 *
 * Software GPUs are not GPUs: a runtime whose status says it would run on a
 * CPU emulation of a GPU (SwiftShader, llvmpipe …) leaves the default plan
 * with a line saying why; naming it in run.backends runs it, and its jobs'
 * device carries `extra.software` so the record and the report label them.
 * A runtime marked `optIn` (TF.js `cpu`, the reference backend) leaves the
 * default plan the same way. A runtime with a default scope (an extra browser
 * engine: `defaultVariants`) measures those variants of the smallest
 * retrained model only, unless run.backends names it. A slow path (a
 * runtime without a fast kernel for a variant: ./slow-paths.ts) is measured
 * on the smallest retrained model only, with a line naming the flag that
 * measures it anyway.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelArtifacts } from './artifacts.ts';
import { modelIds, workloadsOf, type ResolvedConfig } from './core/config.ts';
import { PACK_JSON } from './core/eval-pack.ts';
import { evalPackDir, trainPackDir } from './core/layout.ts';
import { VARIANTS, type ArtifactInfo, type DeviceInfo } from './core/record.ts';
import type { KernelOptions } from '../targets/kernel/types.ts';
import { keyedJob } from '../targets/result.ts';
import type { DiscoveredDevice, Job, RuntimeStatus, Target } from '../targets/types.ts';
import { retrainSettings } from './retrain-workload.ts';
import { smallestFirst } from './plan-order.ts';
import { slowPathsLeftOut } from './slow-paths.ts';

export interface PlannedJob {
  target: Target;
  job: Job;
}

export interface ActiveTarget {
  target: Target;
  devices: DiscoveredDevice[];
}

/** A runtime the default plan leaves out, and why (one line each in the run's log). */
export interface LeftOut {
  device: DeviceInfo;
  runtime: string;
  reason: string;
  /** The flag that measures it anyway, in words (default: `--backends <runtime>`). */
  anyway?: string;
}

export interface Plan {
  jobs: PlannedJob[];
  leftOut: LeftOut[];
  /** Models whose evaluation pack is missing: latency only. */
  noPack: { model: string; dir: string }[];
  /** Why some runtimes or models have no retrain job (one line each), when the retrain workload is asked for. */
  retrainNotes: string[];
}

/** Images in a model's evaluation pack, or undefined without one. */
export async function packCount(dir: string): Promise<number | undefined> {
  const path = join(dir, PACK_JSON);
  if (!existsSync(path)) return undefined;
  try {
    return (JSON.parse(await readFile(path, 'utf8')) as { count: number }).count;
  } catch {
    return undefined;
  }
}

/** The kernel options of one job from the run config. */
export function kernelOptions(config: ResolvedConfig, batchSize: number, evaluate: boolean): KernelOptions {
  return {
    warmupIterations: config.run.warmupIterations,
    warmupMaxMs: config.run.warmupMaxMs,
    minSamples: config.run.minSamples,
    minTimeMs: config.run.minTimeMs,
    maxTimeMs: config.run.maxTimeMs,
    batchSize,
    evaluate,
    ...(config.run.evalLimit !== undefined ? { evalLimit: config.run.evalLimit } : {}),
    ...(config.run.evalBudgetMs > 0 ? { evalBudgetMs: config.run.evalBudgetMs, evalMinImages: config.run.evalMinImages } : {}),
  };
}

/** The one line a left-out runtime gets: what it is, and how to measure it anyway. */
export function leftOutLine(entry: LeftOut): string {
  return `${entry.runtime} on ${entry.device.name}: ${entry.reason}; ${entry.anyway ?? `--backends ${entry.runtime}`} to measure it anyway`;
}

/** Why the default plan leaves an available runtime out, or undefined when it takes it. */
function optInReason(runtime: RuntimeStatus): string | undefined {
  if (runtime.software) return `${runtime.software}, not a GPU`;
  return runtime.optIn;
}

/** Whether the plan takes this runtime: available, named by run.backends when given, and not opt-in unless named. */
function selects(runtime: RuntimeStatus, backends: string[] | undefined): 'yes' | 'no' | 'opt-in' {
  if (!runtime.available) return 'no';
  if (backends) return backends.includes(runtime.runtime) ? 'yes' : 'no';
  return optInReason(runtime) ? 'opt-in' : 'yes';
}

/** The devices of a target that the plan will give a job to some model's artifact on: a runtime it takes. */
export function devicesWithJobs(devices: readonly DiscoveredDevice[], config: ResolvedConfig): DiscoveredDevice[] {
  return devices.filter((found) => found.usable && found.runtimes.some((runtime) => selects(runtime, config.run.backends) === 'yes'));
}

export async function planJobs(models: readonly ModelArtifacts[], active: readonly ActiveTarget[], config: ResolvedConfig, out: string): Promise<Plan> {
  const batchSizes = [...new Set(config.run.batchSizes)].sort((a, b) => a - b);
  const plan: Plan = { jobs: [], leftOut: [], noPack: [], retrainNotes: [] };
  const workloads = workloadsOf(config);
  for (const { devices } of active) {
    for (const found of devices) {
      for (const runtime of found.runtimes) {
        if (selects(runtime, config.run.backends) === 'opt-in') plan.leftOut.push({ device: found.device, runtime: runtime.runtime, reason: optInReason(runtime)! });
        // A scope of every variant leaves out only the retrain job: planRetrain's note says so, under the retrain's name.
        else if (runtime.defaultVariants && runtime.defaultVariants.variants.length < VARIANTS.length && !config.run.backends && selects(runtime, undefined) === 'yes') plan.leftOut.push({ device: found.device, runtime: runtime.runtime, reason: runtime.defaultVariants.reason });
      }
    }
  }
  const retrainedIds = modelIds(config);
  const smallest = smallestFirst(retrainedIds, config)[0];
  for (const model of models) {
    const packDir = evalPackDir(out, model.model);
    const count = await packCount(packDir);
    // An extra engine's default scope also covers models: the smallest retrained one (docs/bench-all.md: InceptionV3 on
    // Firefox and WebKit was ~14% of a cold run, and how an engine compares shows on MobileNetV2 already).
    const beyondScope = retrainedIds.includes(model.model) && model.model !== smallest;
    if (count === undefined) plan.noPack.push({ model: model.model, dir: packDir });
    for (const { target, devices } of active) {
      for (const found of devices) {
        const runtimes = found.runtimes.filter((runtime) => selects(runtime, config.run.backends) === 'yes');
        for (const runtime of runtimes) {
          if (beyondScope && runtime.defaultVariants && !config.run.backends) {
            plan.leftOut.push({ device: found.device, runtime: runtime.runtime, reason: `${model.model} not measured (an extra engine measures the smallest model, ${smallest}, by default)` });
            continue;
          }
          // A software GPU asked for by name: its rows say so in the record and the report.
          const device = runtime.software ? { ...found.device, extra: { ...found.device.extra, software: runtime.software } } : found.device;
          const variants = config.run.backends ? undefined : runtime.defaultVariants?.variants;
          const slow = slowPathsLeftOut(runtime.runtime, model.model, { retrained: retrainedIds, smallest }, config).filter((path) => model.artifacts.some((candidate) => candidate.format === runtime.format && candidate.variant === path.variant && (!variants || variants.includes(candidate.variant))));
          for (const path of slow) {
            plan.leftOut.push({ device: found.device, runtime: runtime.runtime, reason: `${model.model}'s ${path.variant} not measured (${path.why}; ${smallest}'s ${path.variant} row says so)`, anyway: `--variants ${path.variant}` });
          }
          const kept = (candidate: ArtifactInfo) => candidate.format === runtime.format && (!variants || variants.includes(candidate.variant)) && !slow.some((path) => path.variant === candidate.variant);
          for (const artifact of model.artifacts.filter(kept)) {
            if (workloads.includes('infer')) for (const batchSize of batchSizes) {
              // Accuracy does not depend on the batch size: evaluate once per artifact and runtime, at the smallest.
              const evaluate = count !== undefined && count > 0 && batchSize === batchSizes[0];
              plan.jobs.push({
                target,
                job: keyedJob(target, { artifact, metadata: model.metadata, evalPackDir: packDir, device, runtime: runtime.runtime, kernel: kernelOptions(config, batchSize, evaluate), runtimeOptions: {} }, config),
              });
            }
          }
        }
      }
    }
  }
  if (workloads.includes('retrain')) planRetrain(models, active, config, out, plan);
  return plan;
}

/**
 * One retrain job per retrained model and runtime that trains (every TF.js
 * backend), software GPUs left out as for inference. The pack and the host's
 * accuracy are attached before the jobs run (harness/run.ts).
 */
function planRetrain(models: readonly ModelArtifacts[], active: readonly ActiveTarget[], config: ResolvedConfig, out: string, plan: Plan): void {
  const settings = retrainSettings(config);
  const retrained = new Set(modelIds(config));
  const smallest = smallestFirst([...retrained], config)[0];
  for (const model of models) {
    if (!retrained.has(model.model)) {
      plan.retrainNotes.push(`${model.model}: no retrain job, it is not a model edgebench retrained (no head to train anew)`);
      continue;
    }
    const artifact = model.artifacts.find((candidate) => candidate.format === 'tfjs');
    if (!artifact) continue;
    for (const { target, devices } of active) {
      for (const found of devices) {
        const selected = found.runtimes.filter((runtime) => selects(runtime, config.run.backends) === 'yes');
        // A runtime limited to a default scope (an extra browser engine) measures inference only unless named.
        const scoped = config.run.backends ? [] : selected.filter((runtime) => runtime.defaultVariants && runtime.trains);
        if (scoped.length && model === models.find((entry) => retrained.has(entry.model))) {
          const names = scoped.map((runtime) => runtime.runtime).join(',');
          plan.retrainNotes.push(`${found.device.name}: no retrain job on ${names.replaceAll(',', ', ')} by default (an extra engine measures inference; a retrain job there would add one per model to the run); --backends ${names} runs one there (and every model and variant on it)`);
        }
        const chosen = selected.filter((runtime) => !scoped.includes(runtime));
        const untrained = chosen.filter((runtime) => !runtime.trains).map((runtime) => runtime.runtime);
        if (untrained.length && model === models.find((entry) => retrained.has(entry.model))) {
          plan.retrainNotes.push(`${found.device.name}: no retrain job on ${untrained.join(', ')}: no training runtime (the Lite path and native runtimes run inference only)`);
        }
        for (const runtime of chosen.filter((candidate) => candidate.trains)) {
          const elsewhere = model.model !== smallest && !config.run.backends ? hostRetrainElsewhere(found.device, runtime.runtime, active) : undefined;
          if (elsewhere) {
            plan.leftOut.push({ device: found.device, runtime: runtime.runtime, reason: `${model.model}'s retrain job not measured (the same ${runtime.runtime} kernels as its retrain job on ${elsewhere.name}; ${smallest}'s retrain rows on both say how they compare)` });
            continue;
          }
          const device = runtime.software ? { ...found.device, extra: { ...found.device.extra, software: runtime.software } } : found.device;
          plan.jobs.push({
            target,
            job: keyedJob(target, {
              artifact,
              metadata: model.metadata,
              evalPackDir: evalPackDir(out, model.model),
              device,
              runtime: runtime.runtime,
              kernel: { ...kernelOptions(config, settings.batchSize, true), evalLimit: settings.evalImages },
              // The workload's size changes every number: it belongs in the key.
              runtimeOptions: { steps: settings.steps, images: config.retrainWorkload.images },
              workload: 'retrain',
              retrain: { packDir: trainPackDir(out, model.model), settings, host: null },
            }, config),
          });
        }
      }
    }
  }
}

/**
 * The device beside the host that trains `runtime` too, when `device` is the
 * host (Node): beyond the smallest retrained model, one retrain job per
 * runtime is measured, on the page (where on-device training runs), since
 * Node's runs the same TF.js kernels. InceptionV3's retrain job on Node's
 * tfjs-wasm took 36.7 s of a cold `bench all` to repeat Chromium's
 * (2.3 against 2.4 images/s, the same accuracy: docs/bench-all.md).
 */
function hostRetrainElsewhere(device: DeviceInfo, runtime: string, active: readonly ActiveTarget[]): DeviceInfo | undefined {
  if (device.kind !== 'node') return undefined;
  for (const { devices } of active) {
    for (const found of devices) {
      if (found.device.kind === 'node' || !found.usable) continue;
      const status = found.runtimes.find((candidate) => candidate.runtime === runtime);
      if (status && status.trains && selects(status, undefined) === 'yes' && !status.defaultVariants) return found.device;
    }
  }
  return undefined;
}
