/**
 * Parser of the battery's instantaneous current and voltage, read in one
 * call as `grep . /sys/class/power_supply/battery/{current_now,voltage_now,status}`
 * (grep prints `path:value`, so which file said what is never guessed).
 *
 * The kernel's power_supply ABI (Documentation/ABI/testing/sysfs-class-power)
 * says µA and µV; Android's BatteryManager.BATTERY_PROPERTY_CURRENT_NOW says
 * positive into the battery, negative out of it. Vendors differ on both:
 * some kernels report mA and mV, some report a discharge as positive. How
 * this module normalises:
 * - current: |value| ≥ 10 000 is µA, below is mA (a phone computing draws more
 *   than 10 mA, and no phone draws 10 A);
 * - voltage: ≥ 100 000 is µV, below is mV (a Li-ion cell sits at 3–4.5 V);
 * - sign: ignored; the status file says whether the battery is discharging,
 *   and only then is the current the phone's draw. Power is |I| · V.
 */

/** `status` as the kernel's power_supply ABI names it. */
export type BatteryStatus = 'Charging' | 'Discharging' | 'Not charging' | 'Full' | 'Unknown';

export interface BatteryPowerSample {
  status: BatteryStatus;
  /** |current|, mA, normalised as above. */
  currentMa: number;
  voltageMv: number;
  /** |I| · V, mW. */
  powerMw: number;
}

export type BatteryPowerParse = { ok: true; sample: BatteryPowerSample } | { ok: false; problem: string };

export const BATTERY_DIR = '/sys/class/power_supply/battery';
/** The one shell command that reads a sample. */
export const BATTERY_SAMPLE_COMMAND = `grep . ${BATTERY_DIR}/current_now ${BATTERY_DIR}/voltage_now ${BATTERY_DIR}/status`;

const STATUSES: readonly BatteryStatus[] = ['Charging', 'Discharging', 'Not charging', 'Full', 'Unknown'];

export function parseBatteryPower(text: string): BatteryPowerParse {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\/sys\/class\/power_supply\/battery\/(current_now|voltage_now|status):(.*)$/.exec(line.trim());
    if (match) values.set(match[1]!, match[2]!.trim());
  }
  const missing = ['current_now', 'voltage_now', 'status'].filter((name) => !values.has(name));
  if (missing.length) return { ok: false, problem: `the battery has no ${missing.join(', ')} in ${BATTERY_DIR} (not readable on this phone)` };
  const status = values.get('status')!;
  if (!STATUSES.includes(status as BatteryStatus)) return { ok: false, problem: `the battery's status "${status.slice(0, 40)}" is not one the kernel documents` };
  const current = Number(values.get('current_now'));
  const voltage = Number(values.get('voltage_now'));
  if (!/^-?\d+$/.test(values.get('current_now')!) || !Number.isFinite(current)) return { ok: false, problem: `the battery's current_now "${values.get('current_now')!.slice(0, 40)}" is not an integer` };
  if (!/^\d+$/.test(values.get('voltage_now')!) || !Number.isFinite(voltage) || voltage === 0) return { ok: false, problem: `the battery's voltage_now "${values.get('voltage_now')!.slice(0, 40)}" is not a positive integer` };
  const currentMa = Math.abs(current) >= 10_000 ? Math.abs(current) / 1000 : Math.abs(current);
  const voltageMv = voltage >= 100_000 ? voltage / 1000 : voltage;
  return { ok: true, sample: { status: status as BatteryStatus, currentMa, voltageMv, powerMw: (currentMa * voltageMv) / 1000 } };
}
