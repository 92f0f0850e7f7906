/**
 * The energy meter (./energy.ts) around one job on a phone: which window it
 * measures (the loop of a page job, reported by its phases; the whole of a
 * benchmark_model run) and how many inferences that window held.
 */
import type { Measurement } from '../../harness/core/record.ts';
import type { JobSpec } from '../types.ts';
import type { Adb } from './adb.ts';
import { adbEnergySources, EnergyMeter, type EnergyOptions, type EnergyRecord } from './energy.ts';
import { NATIVE_RUNTIME } from './native.ts';

export interface JobEnergy {
  /** A page job's phase: the window opens as its loop starts and closes at the next phase. */
  phase(phase: string): void;
  /** Closes the window (if still open) and gives the record for the job's measurement. */
  finish(measurement: Pick<Measurement, 'latency' | 'warmup' | 'batchSize'>): Promise<EnergyRecord>;
}

/** Chooses the source and takes the idle baseline now, before the job; a native job's window opens at once. */
export async function energyAround(adb: Adb, serial: string, job: Pick<JobSpec, 'runtime'>, options: EnergyOptions): Promise<JobEnergy> {
  const meter = new EnergyMeter(adbEnergySources(adb, serial), options);
  await meter.begin();
  const native = job.runtime === NATIVE_RUNTIME;
  let pending: Promise<void> = native ? meter.open() : Promise.resolve();
  let inLoop = false;
  return {
    phase(phase) {
      if (native) return;
      if (phase === 'loop') {
        inLoop = true;
        pending = pending.then(() => meter.open());
      } else if (inLoop) {
        inLoop = false;
        pending = pending.then(() => meter.close());
      }
    },
    async finish(measurement) {
      await pending;
      await meter.close();
      // benchmark_model's window holds its warm-up runs (the first inference among them) and its measured runs.
      const inferences = native ? measurement.warmup.iterations + measurement.latency.samples : measurement.latency.samples * measurement.batchSize;
      return meter.result(inferences, native ? 'job' : 'loop');
    },
  };
}
