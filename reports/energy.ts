/**
 * The report's "Energy and sustained performance": energy per inference per
 * phone job beside its latency (how it was measured, or why not), and each
 * sustained job's latency over time with its throttle events. Plain data
 * from the record alone; ./energy-html.ts and ./energy-markdown.ts draw it.
 */
import type { DeviceInfo, Measurement } from '../harness/core/record.ts';
import { keyId } from '../harness/core/record.ts';
import type { ThrottleEvent } from '../harness/core/sustained.ts';

export interface EnergyRow {
  id: string;
  model: string;
  artifact: string;
  device: string;
  runtime: string;
  batchSize: number;
  p50: number;
  /** mJ per inference; null when not measured. */
  mJPerInference: number | null;
  /** How (`power monitor rails, loop, 51 inferences, idle 120 mW taken off`) or why not. */
  how: string;
  method: 'power-stats-hal' | 'battery' | 'none';
}

export interface SustainedView {
  id: string;
  label: string;
  device: string;
  durationS: number;
  windowS: number;
  firstP50: number;
  lastP50: number;
  firstThrottleS: number | null;
  throttleEvents: ThrottleEvent[];
  /** [second, p50 ms]. */
  perSecond: Array<[number, number]>;
  /** Where the readings came from, and what was not readable. */
  readings: string;
}

export interface EnergyReport {
  rows: EnergyRow[];
  sustained: SustainedView[];
}

function howText(energy: NonNullable<Measurement['energy']>): string {
  if (energy.method === 'none') return energy.reason;
  const window = energy.window === 'loop' ? 'the measured loop' : 'the whole job (load and warm-up included)';
  if (energy.method === 'power-stats-hal') return `power monitor rails over ${window}, ${energy.inferences} inferences, idle ${energy.idle.mW.toFixed(0)} mW taken off`;
  return `battery ${energy.meanPowerMw.toFixed(0)} mW mean over ${window} (${energy.samples} samples, ${energy.sampleHz.toFixed(1)} Hz, idle included), ${energy.inferences} inferences`;
}

export function energyReport(measurements: readonly Measurement[], devices: ReadonlyMap<string, DeviceInfo>): EnergyReport {
  const name = (id: string) => devices.get(id)?.name ?? id;
  const rows = measurements
    .filter((entry) => entry.energy)
    .map((entry): EnergyRow => ({
      id: keyId(entry.key),
      model: entry.key.model,
      artifact: `${entry.key.format} ${entry.key.variant}`,
      device: name(entry.key.device),
      runtime: entry.key.runtime,
      batchSize: entry.batchSize,
      p50: entry.latency.p50,
      mJPerInference: entry.energy!.method === 'none' ? null : entry.energy!.mJPerInference,
      how: howText(entry.energy!),
      method: entry.energy!.method,
    }));
  const sustained = measurements
    .filter((entry) => entry.sustained)
    .map((entry): SustainedView => {
      const series = entry.sustained!;
      const source = series.deviceSource === 'adb' ? 'thermal status, temperatures and CPU frequencies over adb' : series.deviceSource === 'sysfs' ? "the host's sysfs" : 'latency only (a browser reads no device)';
      return {
        id: keyId(entry.key),
        label: `${entry.key.model} · ${entry.key.format} ${entry.key.variant} · ${entry.key.runtime}`,
        device: name(entry.key.device),
        durationS: series.durationS,
        windowS: series.windowS,
        firstP50: series.firstP50,
        lastP50: series.lastP50,
        firstThrottleS: series.firstThrottleS,
        throttleEvents: series.throttleEvents,
        perSecond: series.perSecond.map((second) => [second.t, second.p50]),
        readings: `${source}${series.deviceNote ? `; ${series.deviceNote}` : ''}`,
      };
    });
  return { rows, sustained };
}
