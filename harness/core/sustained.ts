/**
 * Sustained mode (`bench run --sustained 10m`): a job's loop runs for the
 * whole duration, and what a phone or host can hold shows in its latency
 * second by second, next to its thermal status, CPU frequencies and
 * temperatures sampled alongside. Pure: the per-second series and the
 * summary from the loop's samples and the device's readings.
 *
 * The loop runs its inferences back to back, so the running sum of the
 * samples is each inference's end time from the loop's start (the loop's
 * own bookkeeping between inferences is not counted: a few µs each).
 */
import { percentileSorted } from './stats.ts';
import type { DeviceReading, SustainedRecord, ThrottleEvent } from './sustained-record.ts';

export type { DeviceReading, SustainedRecord, SustainedSecond, ThrottleEvent } from './sustained-record.ts';

function median(values: number[]): number {
  return percentileSorted([...values].sort((a, b) => a - b), 0.5);
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** The record of a sustained loop from its samples (ms, in order) and the device readings (t from the loop's start). */
export function summariseSustained(args: { samples: readonly number[]; readings: readonly DeviceReading[]; deviceSource: SustainedRecord['deviceSource']; deviceNote?: string }): SustainedRecord {
  const seconds = new Map<number, number[]>();
  let elapsed = 0;
  const ends: Array<{ t: number; ms: number }> = [];
  for (const ms of args.samples) {
    elapsed += ms;
    const t = elapsed / 1000;
    ends.push({ t, ms });
    const second = Math.floor(t);
    if (!seconds.has(second)) seconds.set(second, []);
    seconds.get(second)!.push(ms);
  }
  const durationS = elapsed / 1000;
  const perSecond = [...seconds.entries()].sort(([a], [b]) => a - b).map(([t, values]) => ({ t, inferences: values.length, p50: round3(median(values)) }));
  const windowS = Math.min(60, durationS / 2);
  const first = ends.filter((end) => end.t - end.ms / 1000 < windowS).map((end) => end.ms);
  const last = ends.filter((end) => end.t - end.ms / 1000 >= durationS - windowS).map((end) => end.ms);
  const during = args.readings.filter((reading) => reading.t <= durationS);
  const throttleEvents: ThrottleEvent[] = [];
  let previous: DeviceReading | undefined;
  for (const reading of during) {
    if (reading.thermalStatus === undefined) continue;
    if (previous && previous.thermalStatus !== reading.thermalStatus) {
      throttleEvents.push({ t: round3(Math.max(0, reading.t)), from: previous.thermalName ?? String(previous.thermalStatus), to: reading.thermalName ?? String(reading.thermalStatus) });
    }
    previous = reading;
  }
  const hot = during.find((reading) => reading.t >= 0 && (reading.thermalStatus ?? 0) > 0);
  return {
    durationS: round3(durationS),
    perSecond,
    windowS: round3(windowS),
    firstP50: first.length ? round3(median(first)) : 0,
    lastP50: last.length ? round3(median(last)) : 0,
    deviceSource: args.deviceSource,
    ...(args.deviceNote ? { deviceNote: args.deviceNote } : {}),
    device: during.map((reading) => ({ ...reading, t: round3(reading.t) })),
    throttleEvents,
    firstThrottleS: hot ? round3(hot.t) : null,
  };
}

/**
 * Reads the device every `intervalMs` until stopped; each reading stamped
 * with the time it was taken (performance.now(), ms). A failed reading is
 * skipped: the series shows the gap.
 */
export function sampleDevice(read: () => Promise<Omit<DeviceReading, 't'>>, intervalMs: number): { stop(): Promise<Array<Omit<DeviceReading, 't'> & { at: number }>> } {
  const readings: Array<Omit<DeviceReading, 't'> & { at: number }> = [];
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      const at = performance.now();
      try {
        readings.push({ ...(await read()), at });
      } catch {
        // skipped: a gap in the series
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs);
      });
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      return readings;
    },
  };
}

/** A device watched through one sustained job: told the job's phases, finished with the loop's samples. */
export interface SustainedWatch {
  phase(phase: string): void;
  /** Stops the readings; the record when the loop's samples and start are known. */
  finish(samples: readonly number[]): Promise<SustainedRecord | undefined>;
}

/**
 * Samples the device from now (sampleDevice) and, at the end, dates the
 * readings from the start of the job's loop (its `loop` phase) and
 * summarises them with the samples: the one finish of every target's
 * sustained mode (a phone over adb, the host's sysfs). `deviceNote` says,
 * from the readings, what the series lacks and why.
 */
export function watchSustained(args: {
  read: () => Promise<Omit<DeviceReading, 't'>>;
  intervalMs: number;
  deviceSource: SustainedRecord['deviceSource'];
  deviceNote?: (readings: ReadonlyArray<Omit<DeviceReading, 't'>>) => string;
}): SustainedWatch {
  const sampler = sampleDevice(args.read, args.intervalMs);
  let loopAt: number | undefined;
  return {
    phase(phase) {
      if (phase === 'loop') loopAt = performance.now();
    },
    async finish(samples) {
      const readings = await sampler.stop();
      if (loopAt === undefined || samples.length === 0) return undefined;
      const start = loopAt;
      const note = args.deviceNote?.(readings);
      return summariseSustained({ samples, readings: readings.map(({ at, ...reading }) => ({ ...reading, t: (at - start) / 1000 })), deviceSource: args.deviceSource, ...(note !== undefined ? { deviceNote: note } : {}) });
    },
  };
}
