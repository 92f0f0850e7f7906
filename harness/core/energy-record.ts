/**
 * What the run record keeps of a job's energy (`measurement.energy`), as plain
 * data: the Android target measures it (targets/android/energy.ts), reports
 * and compare read it. docs/energy.md says what each field means.
 */

export interface RailEnergy {
  rail: string;
  subsystem: string;
  /** Energy the rail used over the window, mJ. */
  mJ: number;
  /** The same less the rail's idle power over the window's length, mJ. */
  netMJ: number;
  mJPerInference: number;
}

/** What the record keeps under `measurement.energy`. */
export type EnergyRecord =
  | {
      method: 'power-stats-hal';
      window: EnergyWindowKind;
      inferences: number;
      durationMs: number;
      idle: { durationMs: number; mW: number };
      /** Sum over the rails, mJ, before and after the idle power is taken off. */
      totalMJ: number;
      netMJ: number;
      mJPerInference: number;
      rails: RailEnergy[];
    }
  | {
      method: 'battery';
      window: EnergyWindowKind;
      inferences: number;
      durationMs: number;
      samples: number;
      sampleHz: number;
      meanPowerMw: number;
      /** The whole phone's energy: its idle draw is included. */
      includesIdle: true;
      mJPerInference: number;
    }
  | { method: 'none'; reason: string };

/** `loop`: the measured loop only; `job`: the whole job (load and warm-up included). */
export type EnergyWindowKind = 'loop' | 'job';


/** A measured figure (not `none`). */
export function measuredEnergy(record: EnergyRecord | undefined): Exclude<EnergyRecord, { method: 'none' }> | undefined {
  return record && record.method !== 'none' ? record : undefined;
}

/**
 * The energy of a job measured in rounds: the round with the median figure
 * when every round measured one, else the first round's (its reason).
 */
export function mergeEnergy(rounds: readonly (EnergyRecord | undefined)[]): EnergyRecord | undefined {
  const figures = rounds.map(measuredEnergy);
  if (figures.length === 0 || figures.some((figure) => figure === undefined)) return rounds[0];
  const sorted = [...figures].sort((a, b) => a!.mJPerInference - b!.mJPerInference);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
