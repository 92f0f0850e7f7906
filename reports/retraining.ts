/**
 * The report's "Retraining on each device": one row per retrain measurement
 * (per model, device and backend) with time-to-retrain, extraction images/s,
 * ms per training step and the accuracy reached beside the host's, and one
 * chart of time-to-retrain split into extraction and training. Plain data,
 * built from the record alone.
 */
import type { DeviceInfo, Failure, Measurement } from '../harness/core/record.ts';
import { keyId, workloadOf } from '../harness/core/record.ts';
import { formatMs, formatPercent } from '../harness/core/format.ts';

export interface RetrainRow {
  id: string;
  model: string;
  /** DeviceInfo.id (`host`, `chromium-156` …): what the terminal table shows. */
  deviceId: string;
  /** The device's full name: what the report shows. */
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
  /** Images of the training pack that went through the backbone (the key's `images`). */
  trainImages: number | null;
  accuracy: number | null;
  /** Images of the evaluation pack the head was scored on; null when not evaluated. */
  evalImages: number | null;
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
        deviceId: entry.key.device,
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
        trainImages: numbers.extraction.images,
        accuracy: numbers.accuracy,
        evalImages: numbers.accuracy === null ? null : (entry.evaluation?.images ?? null),
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
      deviceId: entry.key.device,
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
      trainImages: typeof entry.key.options.images === 'number' ? entry.key.options.images : null,
      accuracy: null,
      evalImages: null,
      host: null,
      diverged: false,
      peakRuntimeBytes: null,
      failure: { phase: entry.phase, message: entry.error.message.split('\n')[0] ?? '' },
    }));
  return [...measured, ...failed].sort((left, right) => left.model.localeCompare(right.model) || left.device.localeCompare(right.device) || left.runtime.localeCompare(right.runtime));
}

/**
 * The accuracy a retrain reached, in words, beside the host's retrain of the
 * same pack and with the evaluation pack's size, so a low figure on a small
 * pack reads as what it is: `26.7% of 15 images, host 26.7%`. Plain text for
 * the terminal and markdown; the HTML report sets the same parts in markup.
 */
export function retrainAccuracyText(row: Pick<RetrainRow, 'accuracy' | 'evalImages' | 'host' | 'diverged'>): string {
  if (row.accuracy === null) return 'not evaluated';
  const parts = [`${formatPercent(row.accuracy)}${row.evalImages === null ? '' : ` of ${row.evalImages} images`}`, row.host ? `host ${formatPercent(row.host.accuracy)}` : 'no host figure'];
  return `${parts.join(', ')}${row.diverged ? ', DIVERGED' : ''}`;
}

/** A time to retrain: seconds once it is a second or more (`9.95 s`, `99.1 s`), since five-digit ms are hard to read. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || Math.abs(ms) < 1000) return formatMs(ms);
  const seconds = ms / 1000;
  return `${seconds.toFixed(seconds >= 100 ? 0 : seconds >= 10 ? 1 : 2)} s`;
}

/** The chart's name for a row: the device's full name too, since two browsers may run the same backend. */
export function retrainLabel(row: Pick<RetrainRow, 'model' | 'runtime' | 'software' | 'device'>): string {
  return `${row.model} · ${row.runtime}${row.software ? ' (software)' : ''} · ${row.device}`;
}

/** Time-to-retrain of each measured row, stacked: extraction then training (ms). */
export function retrainChart(rows: readonly RetrainRow[]): { categories: string[]; series: { name: string; values: (number | null)[] }[] } | null {
  const measured = rows.filter((row) => row.status === 'measured');
  if (measured.length === 0) return null;
  return {
    categories: measured.map(retrainLabel),
    series: [
      { name: 'extraction', values: measured.map((row) => row.extractionMs) },
      { name: 'training', values: measured.map((row) => row.trainingMs) },
    ],
  };
}
