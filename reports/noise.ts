/**
 * Each key's noise, from run records alone: how much its round medians
 * spread inside one run (between rounds, σ²) and how much a run's level moves
 * from run to run beyond that (τ²), in log space (so a variance of 0.01 is
 * about ±10%). Estimated from earlier runs of the same key on the same
 * machine, or stored by an A/A calibration (`bench calibrate`). Pure.
 */
import { measurementId, type HostInfo, type RunRecord } from '../harness/core/record.ts';
import { roundMedians } from '../harness/core/rounds.ts';
import { varianceComponents, type RunVarianceEstimate, type VarianceEstimate } from '../harness/core/significance.ts';

/**
 * Runs needed before their spread counts as a key's run-to-run noise. With
 * two or three runs the estimate is often zero by chance (the runs happened
 * to agree), and a test that took that zero at its word would flag the next
 * machine-wide shift as a change.
 */
export const MIN_RUNS_FOR_RUN_NOISE = 4;

/** z of the two-sided 95% band: the noise floor is the change two runs of the same code stay inside 95% of the time. */
const FLOOR_Z = 1.959963984540054;

export interface NoiseEstimate {
  /** Between-round variance of log round medians (σ²). */
  round: VarianceEstimate;
  /** Run-to-run variance of a run's level beyond its rounds (τ²), with its upper confidence bound. */
  run: RunVarianceEstimate;
  /** Runs that measured the key. */
  runs: number;
}

/** What `bench calibrate` stores: the A/A noise of every key, for one machine and benchmark definition. */
export interface NoiseCalibration {
  schema: 1;
  benchmark: RunRecord['benchmark'];
  /** The machine it holds for (compare ignores a calibration made elsewhere). */
  host: Pick<HostInfo, 'cpu' | 'cores' | 'os'>;
  createdAt: string;
  /** The A/A runs it was estimated from. */
  runIds: string[];
  /** Per measurement id (keyId + batch size). */
  keys: Record<string, NoiseEstimate & { rounds: number; floor: number }>;
}

/** The same machine: one CPU model, core count and OS (device ids like `host` repeat across machines). */
export function sameMachine(left: Pick<HostInfo, 'cpu' | 'cores' | 'os'>, right: Pick<HostInfo, 'cpu' | 'cores' | 'os'>): boolean {
  return left.cpu === right.cpu && left.cores === right.cores && left.os === right.os;
}

/** Log round medians of key `id` in each record that measured it. */
export function logRoundsOf(id: string, records: readonly RunRecord[]): number[][] {
  const runs: number[][] = [];
  for (const record of records) {
    const measurement = record.measurements.find((entry) => measurementId(entry) === id);
    if (!measurement) continue;
    const medians = roundMedians(measurement).filter((value) => value > 0);
    if (medians.length) runs.push(medians.map(Math.log));
  }
  return runs;
}

/** σ² and τ² of key `id` from runs of the same code or of a quiet history (oldest first). */
export function estimateNoise(id: string, records: readonly RunRecord[]): NoiseEstimate {
  const runs = logRoundsOf(id, records);
  return { ...varianceComponents(runs), runs: runs.length };
}

/**
 * The noise floor of a comparison: the relative change of p50 that two runs
 * of the same code, with `baselineRounds` and `currentRounds` rounds, stay
 * inside 95% of the time: exp(1.96 · √(2τ² + σ²(1/m + 1/n))) − 1.
 */
export function noiseFloor(noise: { round: number; run: number }, baselineRounds: number, currentRounds: number): number {
  return Math.expm1(FLOOR_Z * Math.sqrt(2 * noise.run + noise.round * (1 / baselineRounds + 1 / currentRounds)));
}

/** A log-space variance as a coefficient of variation (≈ √variance for small ones). */
export function coefficientOfVariation(variance: number): number {
  return Math.sqrt(Math.expm1(variance));
}

/** The calibration of every key measured in all of `records` (A/A runs of one commit on one machine). */
export function calibrateNoise(records: readonly RunRecord[], now = new Date()): NoiseCalibration {
  if (records.length < 2) throw new Error(`an A/A calibration needs at least 2 runs (got ${records.length})`);
  const first = records[0]!;
  const ids = new Set(first.measurements.map(measurementId));
  for (const record of records.slice(1)) for (const id of [...ids]) if (!record.measurements.some((entry) => measurementId(entry) === id)) ids.delete(id);
  const keys: NoiseCalibration['keys'] = {};
  for (const id of [...ids].sort()) {
    const estimate = estimateNoise(id, records);
    const rounds = Math.round(logRoundsOf(id, records).reduce((sum, run) => sum + run.length, 0) / estimate.runs);
    keys[id] = { ...estimate, rounds, floor: noiseFloor({ round: estimate.round.variance, run: estimate.run.upper ?? estimate.run.variance }, rounds, rounds) };
  }
  return {
    schema: 1,
    benchmark: first.benchmark,
    host: { cpu: first.host.cpu, cores: first.host.cores, os: first.host.os },
    createdAt: now.toISOString(),
    runIds: records.map((record) => record.runId),
    keys,
  };
}
