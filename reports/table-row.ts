/** The report table's row type, on its own so that data.ts (which builds rows) and summary.ts (which sums them up) do not import each other. */
import type { Measurement } from '../harness/core/record.ts';

/** One row of a model's comparison table: a measurement, or a failure in its place. */
export interface TableRow {
  /** keyId + batch size: stable across runs, used by history and compare too. */
  id: string;
  status: 'measured' | 'failed';
  artifact: string;
  format: Measurement['key']['format'];
  variant: Measurement['key']['variant'];
  target: Measurement['key']['target'];
  device: string;
  deviceName: string;
  runtime: string;
  /** Set when the runtime ran on a CPU emulation of a GPU (`software renderer (SwiftShader)`), from the measurement's device.extra.software. */
  software: string | null;
  /** Runtime options as `name=value, …`, empty when none. */
  options: string;
  batchSize: number | null;
  sizeBytes: number | null;
  gzipBytes: number | null;
  loadMs: number | null;
  firstInferenceMs: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  samples: number | null;
  /** Rounds the job was measured in (1 for records from before rounds). */
  rounds: number | null;
  /** Spread of the round medians in this run (coefficient of variation); null with one round. */
  roundNoise: number | null;
  /** Run-to-run spread of the key's level beyond its rounds, over the earlier runs on this machine and this one; null with fewer than 4 runs. */
  runNoise: number | null;
  /** Runs behind runNoise. */
  noiseRuns: number | null;
  throughput: number | null;
  /** Achieved GFLOP/s (model FLOPs × batch / p50); absent or null where the model's FLOPs are unknown. */
  gflops?: number | null;
  accuracy: number | null;
  agreement: number | null;
  maxAbsDiff: number | null;
  peakRssBytes: number | null;
  runtimeBytes: number | null;
  error: { phase: string; name: string; message: string } | null;
}

/** The runtime as reports name it: `tfjs-webgl — software renderer (SwiftShader)` for a software GPU, so its numbers are never read as a GPU's. */
export function runtimeName(row: Pick<TableRow, 'runtime' | 'software'>): string {
  return row.software ? `${row.runtime} — ${row.software}` : row.runtime;
}
