/**
 * The report's "Retraining on each device": one row per retrain measurement
 * (per model, device and backend) with time-to-retrain, extraction images/s,
 * ms per training step and the accuracy reached beside the host's, and one
 * chart of time-to-retrain split into extraction and training. Plain data,
 * built from the record alone.
 */
import type { DeviceInfo, Failure, Measurement } from '../harness/core/record.ts';
import { keyId, workloadOf } from '../harness/core/record.ts';

export interface RetrainRow {
  id: string;
  model: string;
  device: string;
  runtime: string;
  /** Marks a software GPU (SwiftShader …), as the inference rows do. */
  software: string | null;
  status: 'measured' | 'failed';
  timeToRetrainMs: number | null;
  extractionMs: number | null;
  trainingMs: number | null;
  extractionImagesPerSecond: number | null;
  extractionBatch: number | null;
  msPerStep: number | null;
  steps: number | null;
  accuracy: number | null;
  host: { accuracy: number; backend: string; tolerance: number } | null;
  diverged: boolean;
  peakRuntimeBytes: number | null;
  /** For a failed job: its phase and first line. */
  failure: { phase: string; message: string } | null;
}

function deviceName(id: string, devices: Map<string, DeviceInfo>): string {
  return devices.get(id)?.name ?? id;
}

export function retrainRows(measurements: readonly Measurement[], failures: readonly Failure[], devices: Map<string, DeviceInfo>): RetrainRow[] {
  const measured = measurements
    .filter((entry) => workloadOf(entry.key) === 'retrain' && entry.retrain)
    .map((entry): RetrainRow => {
      const numbers = entry.retrain!;
      return {
        id: keyId(entry.key),
        model: entry.key.model,
        device: deviceName(entry.key.device, devices),
        runtime: entry.key.runtime,
        software: typeof entry.device?.extra?.software === 'string' ? entry.device.extra.software : null,
        status: 'measured',
        timeToRetrainMs: numbers.timeToRetrainMs,
        extractionMs: numbers.extraction.ms,
        trainingMs: numbers.training.ms,
        extractionImagesPerSecond: numbers.extraction.imagesPerSecond,
        extractionBatch: numbers.extraction.batchSize,
        msPerStep: numbers.training.msPerStep,
        steps: numbers.training.steps,
        accuracy: numbers.accuracy,
        host: numbers.host,
        diverged: numbers.diverged,
        peakRuntimeBytes: numbers.peakRuntimeBytes ?? null,
        failure: null,
      };
    });
  const failed = failures
    .filter((entry) => workloadOf(entry.key) === 'retrain')
    .map((entry): RetrainRow => ({
      id: keyId(entry.key),
      model: entry.key.model,
      device: deviceName(entry.key.device, devices),
      runtime: entry.key.runtime,
      software: null,
      status: 'failed',
      timeToRetrainMs: null,
      extractionMs: null,
      trainingMs: null,
      extractionImagesPerSecond: null,
      extractionBatch: null,
      msPerStep: null,
      steps: null,
      accuracy: null,
      host: null,
      diverged: false,
      peakRuntimeBytes: null,
      failure: { phase: entry.phase, message: entry.error.message.split('\n')[0] ?? '' },
    }));
  return [...measured, ...failed].sort((left, right) => left.model.localeCompare(right.model) || left.device.localeCompare(right.device) || left.runtime.localeCompare(right.runtime));
}

/** Time-to-retrain of each measured row, stacked: extraction then training (ms). */
export function retrainChart(rows: readonly RetrainRow[]): { categories: string[]; series: { name: string; values: (number | null)[] }[] } | null {
  const measured = rows.filter((row) => row.status === 'measured');
  if (measured.length === 0) return null;
  return {
    categories: measured.map((row) => `${row.model} ${row.runtime} on ${row.device}`),
    series: [
      { name: 'extraction', values: measured.map((row) => row.extractionMs) },
      { name: 'training', values: measured.map((row) => row.trainingMs) },
    ],
  };
}
