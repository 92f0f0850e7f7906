/**
 * Energy per inference in `bench compare`, decided exactly as latency is
 * (./compare.ts): each round's mJ per inference is that round's figure, the
 * rounds test holds the two runs' rounds against their spread and the
 * run-to-run noise of earlier runs, and the same threshold, noise floor and
 * family-wise adjustment apply. This file only turns a measurement's energy
 * into the per-round view the latency code reads.
 */
import { measuredEnergy } from '../harness/core/energy-record.ts';
import type { Measurement, RunRecord } from '../harness/core/record.ts';

/** The per-round energy figures of a measurement as the rounds view (`latency.p50` = mJ per inference); null when any round has none. */
export function energyView(measurement: Measurement): Measurement | null {
  const top = measuredEnergy(measurement.energy);
  if (!top) return null;
  const figure = (mJ: number) => ({ ...measurement.latency, p50: mJ });
  if (measurement.rounds?.length) {
    const perRound = measurement.rounds.map((round) => measuredEnergy(round.energy));
    // A record whose rounds kept no energy (only the top level) reads as one round.
    if (perRound.every((energy) => energy === undefined)) return { ...measurement, samples: [], latency: figure(top.mJPerInference), rounds: undefined };
    if (perRound.some((energy) => energy === undefined || energy.mJPerInference <= 0)) return null;
    return { ...measurement, samples: [], latency: figure(top.mJPerInference), rounds: measurement.rounds.map((round, index) => ({ ...round, samples: [], latency: figure(perRound[index]!.mJPerInference) })) };
  }
  if (top.mJPerInference <= 0) return null;
  return { ...measurement, samples: [], latency: figure(top.mJPerInference), rounds: undefined };
}

/** Earlier runs with each measurement's energy as its latency (measurements without energy left out): their spread is energy's run-to-run noise. */
export function energyHistory(history: readonly RunRecord[]): RunRecord[] {
  return history.map((record) => ({ ...record, measurements: record.measurements.flatMap((measurement) => energyView(measurement) ?? []) }));
}
