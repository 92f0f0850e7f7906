/**
 * "% of peak" and the roofline, as plain math: a runtime's attainable
 * GFLOP/s (its matrix-multiply probe, or the peak the user gives in
 * `profile.peakGflops`), each profiled row's achieved GFLOP/s against it,
 * and the points of the roofline chart (arithmetic intensity, GFLOP/s).
 * The probe measures only the compute ceiling: without a measured memory
 * bandwidth the chart draws no sloped roof, and a row far below the ceiling
 * at low intensity is read as memory- or overhead-bound, not proven so.
 */
import type { Peak, ProfileRow, RuntimeProfile } from './profile.ts';

/** Achieved over attainable, in percent; null where either is unknown or not positive. */
export function percentOfPeak(gflops: number | null | undefined, peak: Peak | undefined): number | null {
  if (!peak || !(peak.gflops > 0) || gflops === null || gflops === undefined || !Number.isFinite(gflops) || gflops < 0) return null;
  return (gflops / peak.gflops) * 100;
}

/** A row's achieved GFLOP/s: its FLOPs over its time; null where it has no FLOPs or no positive time. */
export function rowGflops(row: ProfileRow): number | null {
  return row.flops !== undefined && row.flops > 0 && row.ms !== null && row.ms > 0 ? row.flops / row.ms / 1e6 : null;
}

/**
 * The peak the user configured for this runtime: `runtime variant` first
 * (`tflite-node int8`), then `runtime`. `runtime` is the name `--backends`
 * takes (`browser:litert-wasm`).
 */
export function configuredPeak(peaks: Readonly<Record<string, number>>, runtime: string, variant: string): Peak | undefined {
  const key = [`${runtime} ${variant}`, runtime].find((candidate) => peaks[candidate] !== undefined);
  return key === undefined ? undefined : { gflops: peaks[key]!, source: `config profile.peakGflops["${key}"]` };
}

export interface RooflinePoint {
  /** The row's name. */
  label: string;
  kind: ProfileRow['kind'];
  /** FLOP per byte moved. */
  intensity: number;
  gflops: number;
  /** Of the runtime's peak, where known. */
  percent: number | null;
}

/** The rows a roofline can place: FLOPs, a positive time and a positive intensity. */
export function rooflinePoints(profile: RuntimeProfile): RooflinePoint[] {
  const points: RooflinePoint[] = [];
  for (const row of profile.rows) {
    const gflops = rowGflops(row);
    if (gflops === null || !(row.intensity !== undefined && row.intensity > 0)) continue;
    points.push({ label: row.name, kind: row.kind, intensity: row.intensity, gflops, percent: percentOfPeak(gflops, profile.peak) });
  }
  return points;
}
