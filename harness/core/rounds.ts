/**
 * Rounds in the record: one measurement made of several rounds of the same
 * job, and the per-round view every reader (compare, the report, calibrate)
 * takes of a measurement, older one-round records included.
 */
import { computeLatencyStats, percentileSorted } from './stats.ts';
import type { MeasuredRound, Measurement } from './record.ts';
import { mergeEnergy } from './energy-record.ts';

/** Median of a non-empty list (any order). */
function median(values: readonly number[]): number {
  return percentileSorted([...values].sort((a, b) => a - b), 0.5);
}

/** One round as the record keeps it, from the measurement a target returned for that round. */
export function toRound(round: number, measurement: Measurement): MeasuredRound {
  return {
    round,
    startedAt: measurement.startedAt,
    finishedAt: measurement.finishedAt,
    loadMs: measurement.loadMs,
    firstInferenceMs: measurement.firstInferenceMs,
    warmup: measurement.warmup,
    latency: measurement.latency,
    samples: measurement.samples,
    memory: measurement.memory,
    ...(measurement.energy ? { energy: measurement.energy } : {}),
  };
}

/**
 * The measurement of a job from its rounds (each the measurement a target
 * returned for one round, in round order): pooled samples, medians of the
 * per-round load and first-inference times, the evaluation of the round that
 * evaluated, and every round kept under `rounds`.
 */
export function mergeRounds(rounds: readonly { round: number; measurement: Measurement }[]): Measurement {
  if (rounds.length === 0) throw new Error('mergeRounds needs at least one round');
  const first = rounds[0]!.measurement;
  const last = rounds.at(-1)!.measurement;
  const samples = rounds.flatMap(({ measurement }) => measurement.samples);
  // A target without raw samples (benchmark_model) keeps only statistics: pool what there is.
  const latency = samples.length > 0 ? computeLatencyStats(samples) : first.latency;
  const peaks = rounds.map(({ measurement }) => measurement.memory.peakRssBytes).filter((value): value is number => value !== undefined);
  const before = first.deviceState?.before;
  const after = last.deviceState?.after;
  const batchSize = first.batchSize;
  return {
    ...first,
    loadMs: median(rounds.map(({ measurement }) => measurement.loadMs)),
    firstInferenceMs: median(rounds.map(({ measurement }) => measurement.firstInferenceMs)),
    warmup: {
      iterations: rounds.reduce((sum, { measurement }) => sum + measurement.warmup.iterations, 0),
      ms: rounds.reduce((sum, { measurement }) => sum + measurement.warmup.ms, 0),
    },
    latency,
    samples,
    throughput: latency.mean > 0 ? (batchSize * 1000) / latency.mean : 0,
    memory: { ...last.memory, ...(peaks.length ? { peakRssBytes: Math.max(...peaks) } : {}) },
    evaluation: rounds.find(({ measurement }) => measurement.evaluation)?.measurement.evaluation ?? null,
    startedAt: first.startedAt,
    finishedAt: last.finishedAt,
    ...(before || after ? { deviceState: { ...(before ? { before } : {}), ...(after ? { after } : {}) } } : {}),
    rounds: rounds.map(({ round, measurement }) => toRound(round, measurement)),
    ...(first.energy ? { energy: mergeEnergy(rounds.map(({ measurement }) => measurement.energy))! } : {}),
  };
}

/** Median of one round: of its raw samples, else its recorded p50 (targets that report statistics only). */
function roundMedian(round: Pick<MeasuredRound, 'samples' | 'latency'>): number {
  return round.samples?.length ? median(round.samples) : round.latency.p50;
}

/**
 * The median latency of each round of a measurement, in ms. A record from
 * before rounds reads as one round: the median of its samples.
 */
export function roundMedians(measurement: Pick<Measurement, 'samples' | 'latency' | 'rounds'>): number[] {
  if (measurement.rounds?.length) return measurement.rounds.map(roundMedian);
  return [roundMedian(measurement)];
}
