/**
 * Cool-down between jobs: a phone that throttles measures its thermal state,
 * not the model. Wait until the thermal status is back to none or light
 * (PowerManager.THERMAL_STATUS_LIGHT or below), polling, up to a maximum.
 */
import type { ThermalState } from './adb-parsers.ts';

export interface CooldownOptions {
  readThermal: () => Promise<ThermalState | null>;
  maxWaitMs: number;
  /** Default 5 s. */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface CooldownResult {
  /** Milliseconds spent waiting. */
  waitedMs: number;
  /** Status when the wait ended; null when the phone reports none (Android 9 and older). */
  status: ThermalState['statusName'] | null;
  /** True when the phone was cool (none/light) when the wait ended. */
  cool: boolean;
}

/** Highest status that counts as cool: 1 = light. */
export const COOL_STATUS = 1;

export async function waitForCooldown(options: CooldownOptions): Promise<CooldownResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? (() => Date.now());
  const started = now();
  for (;;) {
    const thermal = await options.readThermal();
    if (!thermal) return { waitedMs: now() - started, status: null, cool: true };
    if (thermal.status <= COOL_STATUS) return { waitedMs: now() - started, status: thermal.statusName, cool: true };
    const left = options.maxWaitMs - (now() - started);
    if (left <= 0) return { waitedMs: now() - started, status: thermal.statusName, cool: false };
    await sleep(Math.min(options.pollMs ?? 5_000, left));
  }
}
