/**
 * Estimates before anything is built: the figures shipped with edgebench
 * (./shipped-estimates.ts, measured on one named machine) scaled by how fast
 * this host's CPU is against that machine's, from a probe of the runtimes'
 * own kind of work (./speed-probe.ts: per-core speed; how busy the host will
 * be is not something a one-second probe can tell). Used where nothing better exists: a job without history or a file
 * to probe, a model not retrained yet. FLOPs would let a model or runtime the
 * shipped figures lack be estimated too: `shippedJobSeconds` is the seam.
 */
import type { ResolvedConfig } from './core/config.ts';
import { workloadOf, type RunRecord, type TargetKind, type Workload } from './core/record.ts';
import { durationsFromHistory, planId } from './estimate.ts';
import { engineOf } from '../reports/engines.ts';
import { SHIPPED, type ShippedEstimates } from './shipped-estimates.ts';
import { PROBE_RUNTIME, speedProbe } from './speed-probe.ts';

/** Where a cold estimate comes from, in one line: the shipped figures' machine and date, and this host's speed against it. */
export interface ColdBasis {
  /** This host's time for the shipped figures' time: above 1 is slower. */
  factor: number;
  line: string;
}

/**
 * The scale of the shipped figures on this host: this host's probe
 * (./speed-probe.ts) over the reference machine's. `probeMs` given: the
 * maths alone (tests, a probe taken already); `unprobed`: the probe could
 * not run its runtime, so the figures are used as measured, and the line
 * says why (never a probe of other work against a reference it was not
 * taken on).
 */
export function coldBasis(options: ({ probeMs: number } | { unprobed: string }) & { shipped?: ShippedEstimates }): ColdBasis {
  const shipped = options.shipped ?? SHIPPED;
  const figures = `cold estimates: figures shipped with edgebench (${shipped.measured.cpu}, ${shipped.measured.date})`;
  if ('unprobed' in options) return { factor: 1, line: `${figures}, as measured there: this CPU not probed (${options.unprobed})` };
  const factor = options.probeMs / shipped.probeMs;
  // Within 15%: the probe varied ±7% on one machine under loads (SHIPPED.probeMs), and a factor that close changes no plan.
  const speed = factor > 1.15 ? `${factor.toFixed(1)}× slower than` : factor < 0.87 ? `${(1 / factor).toFixed(1)}× faster than` : 'about as fast as';
  return { factor, line: `${figures}, this CPU ${speed} that one by a probe of ${PROBE_RUNTIME}` };
}

/** The basis from this host's probe, taken now (before the browsers start beside it: it is per-core speed). */
export async function probedColdBasis(shipped: ShippedEstimates = SHIPPED): Promise<ColdBasis> {
  const reading = await speedProbe();
  return 'ms' in reading ? coldBasis({ probeMs: reading.ms, shipped }) : coldBasis({ unprobed: reading.reason, shipped });
}

/**
 * A job's runtime class: its artifact, target kind (with a browser's engine:
 * `browser:firefox`, as the same wasm runs 1.2-1.6× apart in Chromium,
 * Firefox and WebKit), runtime, batch and workload; not the device.
 */
export function jobClass(entry: { artifact: string; target: TargetKind; engine?: string | undefined; runtime: string; batchSize: number; workload?: Workload }): string {
  const target = entry.engine ? `${entry.target}:${entry.engine}` : entry.target;
  return `${entry.artifact}@${target}/${entry.runtime}#${entry.batchSize}${entry.workload === 'retrain' ? '+retrain' : ''}`;
}

/**
 * The `jobs` of ./shipped-estimates.ts from a run's record: each job's wall
 * time (all its rounds, as history estimates it) under its runtime class.
 * `npm run benchmark:all` prints them from its cold run.
 */
export function shippedJobFigures(record: RunRecord): Record<string, number> {
  const walls = durationsFromHistory([record]);
  const jobs: Record<string, number> = {};
  for (const measurement of record.measurements) {
    const entry = { artifact: measurement.artifact, target: measurement.key.target, runtime: measurement.key.runtime, batchSize: measurement.batchSize, workload: workloadOf(measurement.key) };
    const wall = walls.get(planId({ ...entry, device: measurement.key.device }));
    const device = measurement.device ?? record.devices.find((candidate) => candidate.id === measurement.key.device);
    if (wall !== undefined) jobs[jobClass({ ...entry, engine: device ? engineOf(device) : undefined })] = Number(wall.toFixed(1));
  }
  return jobs;
}

/** A job's shipped wall time on this host (its rounds scaled from the shipped run's), or undefined for a class the figures lack. */
export function shippedJobSeconds(entry: Parameters<typeof jobClass>[0], config: Pick<ResolvedConfig, 'run'>, basis: ColdBasis, shipped: ShippedEstimates = SHIPPED): number | undefined {
  const seconds = shipped.jobs[jobClass(entry)];
  if (seconds === undefined) return undefined;
  return seconds * (config.run.rounds / shipped.measured.rounds) * basis.factor;
}

/**
 * A model's host work on this host, seconds: bottlenecks and training unless
 * `retrained` (its head kept when nothing changed), conversion unless
 * `converted`. Bottlenecks scale with the generated dataset's size; a user's
 * own images, or a model the figures lack, give undefined.
 */
export function shippedHostSeconds(
  model: string,
  config: Pick<ResolvedConfig, 'dataset'>,
  basis: ColdBasis,
  state: { retrained: boolean; converted: boolean },
  shipped: ShippedEstimates = SHIPPED,
): number | undefined {
  const host = shipped.host[model];
  if (!host) return undefined;
  if (!state.retrained && config.dataset.images !== undefined) return undefined;
  const images = config.dataset.imagesPerClass / shipped.measured.imagesPerClass;
  const retrain = state.retrained ? 0 : host.bottlenecks * images + host.training;
  const convert = state.converted ? 0 : host.conversion;
  return (retrain + convert) * basis.factor;
}

/** The generated dataset's making on this host, seconds (0 when it is the user's own or made already). */
export function shippedDatasetSeconds(config: Pick<ResolvedConfig, 'dataset'>, basis: ColdBasis, made: boolean, shipped: ShippedEstimates = SHIPPED): number {
  if (made || config.dataset.images !== undefined) return 0;
  return shipped.datasetSeconds * (config.dataset.imagesPerClass / shipped.measured.imagesPerClass) * basis.factor;
}
