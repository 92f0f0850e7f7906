/**
 * Estimates before anything is built: the figures shipped with edgebench
 * (./shipped-estimates.ts, measured on one named machine) scaled by how fast
 * this host's CPU is against that machine's, from a probe of well under a
 * second of CPU time (per-core speed: how busy the host will be is not
 * something a one-second probe can tell). Used where nothing better exists: a job without history or a file
 * to probe, a model not retrained yet. FLOPs would let a model or runtime the
 * shipped figures lack be estimated too: `shippedJobSeconds` is the seam.
 */
import type { ResolvedConfig } from './core/config.ts';
import { workloadOf, type RunRecord, type TargetKind, type Workload } from './core/record.ts';
import { durationsFromHistory, planId } from './estimate.ts';
import { engineOf } from '../reports/engines.ts';
import { SHIPPED, type ShippedEstimates } from './shipped-estimates.ts';

/**
 * CPU time of a fixed float32 matrix product, ms: the fastest of nine tries
 * after one warm-up (the JIT's). CPU time, not wall time: it says how fast a
 * core of this CPU is, which is what the shipped figures scale by, and not
 * how busy the host was in that second. The wall-time median it replaced
 * called the very machine the figures came from 1.6× slower, as browsers
 * started beside it (a cold `bench all` then took 0.58× of that estimate); on
 * a 2-core host at load 14, wall medians ranged 58-84 ms where CPU-time
 * medians stayed 24-27 ms. The fastest try, not the median: a busy sibling
 * hyperthread still slows CPU time (medians of 26-41 ms at load 13, 54 ms
 * with three idle browsers up beside it), and the least disturbed try is the
 * nearest to the core's own speed.
 */
export function cpuProbeMs(): number {
  const n = 160;
  const a = new Float32Array(n * n).map((_, index) => (index % 7) / 7);
  const b = new Float32Array(n * n).map((_, index) => (index % 5) / 5);
  const c = new Float32Array(n * n);
  const tries: number[] = [];
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const started = process.cpuUsage();
    for (let repeat = 0; repeat < 4; repeat += 1) {
      for (let i = 0; i < n; i += 1) {
        for (let k = 0; k < n; k += 1) {
          const scale = a[i * n + k]!;
          for (let j = 0; j < n; j += 1) c[i * n + j]! += scale * b[k * n + j]!;
        }
      }
    }
    const used = process.cpuUsage(started);
    if (attempt > 0) tries.push((used.user + used.system) / 1000);
  }
  // Read c so the work is never optimised away.
  if (Number.isNaN(c[0])) throw new Error('probe failed');
  return Math.min(...tries);
}

/** Where a cold estimate comes from, in one line: the shipped figures' machine and date, and this host's speed against it. */
export interface ColdBasis {
  /** This host's time for the shipped figures' time: above 1 is slower. */
  factor: number;
  line: string;
}

/** The scale of the shipped figures on this host, from one probe (`probeMs` given: tests, a probe taken already). */
export function coldBasis(options: { probeMs?: number; shipped?: ShippedEstimates } = {}): ColdBasis {
  const shipped = options.shipped ?? SHIPPED;
  const probe = options.probeMs ?? cpuProbeMs();
  const factor = probe / shipped.probeMs;
  // Within 15% is within what the probe varies on one machine (24-27 ms at rest and at load 14 alike).
  const speed = factor > 1.15 ? `${factor.toFixed(1)}× slower than` : factor < 0.87 ? `${(1 / factor).toFixed(1)}× faster than` : 'about as fast as';
  return { factor, line: `cold estimates: figures shipped with edgebench (${shipped.measured.cpu}, ${shipped.measured.date}), this CPU ${speed} that one by a probe` };
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
