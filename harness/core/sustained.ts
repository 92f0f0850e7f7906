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

/** One second of the loop: inferences that ended in it and their median, ms. */
export interface SustainedSecond {
  /** Seconds from the loop's start (the second [t, t+1)). */
  t: number;
  inferences: number;
  p50: number;
}

/** One reading of the device during the loop. */
export interface DeviceReading {
  /** Seconds from the loop's start (negative: before it began). */
  t: number;
  /** Android thermal status (0 none … 6 shutdown) and its name; absent where the device has none (a host). */
  thermalStatus?: number;
  thermalName?: string;
  /** CPU → MHz. */
  cpuMhz?: Record<string, number>;
  /** Sensor (or sensor type) → °C. */
  temperaturesC?: Record<string, number>;
}

export interface ThrottleEvent {
  t: number;
  /** Thermal status before and after (names). */
  from: string;
  to: string;
}

export interface SustainedRecord {
  /** The loop's length, s. */
  durationS: number;
  perSecond: SustainedSecond[];
  /** The window the first and last p50 cover: a minute, or half the run when shorter. */
  windowS: number;
  firstP50: number;
  lastP50: number;
  /** Where the device readings come from: `adb` (a phone), `sysfs` (the host), `none` (a browser: latency only). */
  deviceSource: 'adb' | 'sysfs' | 'none';
  /** Why some readings are absent (the host's sysfs unreadable, …). */
  deviceNote?: string;
  device: DeviceReading[];
  /** Every change of thermal status during the loop. */
  throttleEvents: ThrottleEvent[];
  /** Seconds until the status first rose above none (light or worse); null when it never did or the device has no status. */
  firstThrottleS: number | null;
}

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
