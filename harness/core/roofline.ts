/**
 * "% of peak" and the roofline, as plain math: a runtime's attainable
 * GFLOP/s (its matrix-multiply probe, or the peak the user gives in
 * `profile.peakGflops`), each profiled row's achieved GFLOP/s against it,
 * and the points of the roofline chart (arithmetic intensity, GFLOP/s).
 * The probe measures only the compute ceiling: without a measured memory
 * bandwidth the chart draws no sloped roof, and a row far below the ceiling
 * at low intensity is read as memory- or overhead-bound, not proven so.
 */
import type { Peak, ProbeShape, ProfileRow, RuntimeProfile } from './profile.ts';

/** Achieved over attainable, in percent; null where either is unknown or not positive. */
export function percentOfPeak(gflops: number | null | undefined, peak: Peak | undefined): number | null {
  if (!peak || !(peak.gflops > 0) || gflops === null || gflops === undefined || !Number.isFinite(gflops) || gflops < 0) return null;
  return (gflops / peak.gflops) * 100;
}

/** A share of the peak as a reader sees it; past 100% the probe was no ceiling (the profile's peak line names it), never "130% of peak". */
export function peakShareText(percent: number | null): string {
  return percent === null ? '–' : percent > 100 ? 'above the probe' : `${percent >= 10 ? percent.toFixed(0) : percent.toFixed(1)}%`;
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

/** Output side of a probe's convolution (TFLite's and TF.js's SAME and VALID). */
function outputSide(shape: ProbeShape, kernel: number, stride: number): number {
  return shape.padding === 'same' ? Math.ceil(shape.side / stride) : Math.ceil((shape.side - kernel + 1) / stride);
}

/** FLOPs of a probe shape's convolution alone (2 per multiply-add, as models/tflite/flops.ts counts). */
export function probeShapeFlops(shape: ProbeShape): number {
  const out = outputSide(shape, shape.kernelH, shape.strideH) * outputSide(shape, shape.kernelW, shape.strideW) * shape.outChannels;
  return 2 * out * shape.kernelH * shape.kernelW * (shape.op === 'conv' ? shape.inChannels : 1);
}

/** "a 16×16×512 → 512 1×1 convolution": how profiles name a probe shape (the layer it came from after). */
export function describeProbeShape(shape: ProbeShape): string {
  const stride = shape.strideH === 1 && shape.strideW === 1 ? '' : ` stride ${shape.strideH}`;
  return `a ${shape.side}×${shape.side}×${shape.inChannels} → ${shape.outChannels} ${shape.kernelH}×${shape.kernelW}${stride} ${shape.op === 'depthwise' ? 'depthwise ' : ''}convolution${shape.layer ? ` (layer ${shape.layer})` : ''}`;
}

/** One timed probe: what it was, its FLOPs and its fastest time (targets/kernel/p50-loop.ts `fastestOf`). */
export interface ProbeTiming {
  description: string;
  flops: number;
  ms: number;
}

/**
 * The attainable peak from several probes on one runtime: the best achieved
 * GFLOP/s among them (a shape the runtime is slow at must not set the
 * ceiling), its source naming it and the others' rates.
 */
export function bestPeak(timings: readonly ProbeTiming[]): Peak | undefined {
  const rated = timings.filter((timing) => timing.ms > 0).map((timing) => ({ ...timing, gflops: timing.flops / timing.ms / 1e6 }));
  if (rated.length === 0) return undefined;
  const best = rated.reduce((top, entry) => (entry.gflops > top.gflops ? entry : top));
  const others = rated.filter((entry) => entry !== best).map((entry) => `${entry.description} ${entry.gflops.toPrecision(3)}`);
  // A probe the clock read as 0 ms (a page's coarse timer) has no rate: named, so a reader knows the peak came from fewer probes.
  const untimed = timings.filter((timing) => !(timing.ms > 0)).map((timing) => timing.description);
  return {
    gflops: best.gflops,
    source: `probe: ${best.description}, fastest ${best.ms.toFixed(2)} ms${others.length ? `; best of ${rated.length} probes (also ${others.join('; ')} GFLOP/s)` : ''}${untimed.length ? `; too fast for the clock, no rate: ${untimed.join('; ')}` : ''}`,
  };
}

/**
 * What runs faster than the probe: the model (its GFLOP/s) and the rows
 * whose own GFLOP/s exceed the peak. A peak something beats is no ceiling
 * for it; the reports say so rather than print more than 100% as headroom.
 */
export function beyondPeak(profile: Pick<RuntimeProfile, 'gflops' | 'peak' | 'rows'>): string[] {
  const over = (gflops: number | null | undefined) => (percentOfPeak(gflops, profile.peak) ?? 0) > 100;
  return [...(over(profile.gflops) ? ['the model'] : []), ...profile.rows.filter((row) => over(rowGflops(row))).map((row) => row.name)];
}
