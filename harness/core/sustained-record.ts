/**
 * What the run record keeps of a sustained job (`measurement.sustained`), as
 * plain data: ./sustained.ts builds it, reports read it. Types only, so the
 * record's type can name it without importing the code that computes it.
 */

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

