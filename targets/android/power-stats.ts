/**
 * Parser of the Power Stats HAL's dump, `adb shell dumpsys
 * android.hardware.power.stats.IPowerStats/default` (Android 10+ with an
 * on-device power monitor, Pixel phones among them): the energy each rail
 * has used since boot. Two readings around a loop give its energy per rail.
 *
 * Format (the AIDL HAL's `dumpEnergyMeter`, hardware/google/pixel powerstats
 * PowerStatsAidl.cpp; androidx.benchmark's PowerRail reads the same table):
 * ```
 * ============= PowerStats HAL 2.0 energy meter ==============
 *                            Channel    Cumulative Energy
 *   [S4M_VDD_CPUCL0]:CPU(LITTLE)        12345.67 mWs
 * ========== End of PowerStats HAL 2.0 energy meter ==========
 * ```
 * Values are printed in mWs (= mJ) with two decimals after a float cast of
 * the µWs counter, so a rail that has used more than ~10⁷ mJ since boot reads
 * to about 1 mJ only: the loop must use far more than that for a sane figure
 * (the record keeps the raw readings so a reader can check).
 */

/** One rail's cumulative energy: the name as `[RAIL]:subsystem`, mJ since boot. */
export interface RailReading {
  rail: string;
  subsystem: string;
  mJ: number;
}

export type PowerStatsParse = { ok: true; rails: RailReading[] } | { ok: false; problem: string };

const BEGIN = /^=+ PowerStats HAL 2\.0 energy meter =+\s*$/;
const END = /^=+ End of PowerStats HAL 2\.0 energy meter =+\s*$/;
/** `  [S4M_VDD_CPUCL0]:CPU(LITTLE)   12345.67 mWs`, and in `delta` dumps `… mWs (    12.00)`. */
const ROW = /^\s*\[([^\]\s]+)\]:(\S*)\s+(-?\d+(?:\.\d+)?) mWs(?:\s+\(\s*-?\d+(?:\.\d+)?\))?\s*$/;

/**
 * The energy meter table of the dump. A phone without the HAL (dumpsys says
 * `Can't find service`), a dump without the table, or a row this parser
 * does not know is a problem in one line, never a guess.
 */
export function parsePowerStats(text: string): PowerStatsParse {
  if (/Can't find service/i.test(text)) return { ok: false, problem: 'no Power Stats HAL on this phone (dumpsys: "Can\'t find service")' };
  const lines = text.split(/\r?\n/);
  const begin = lines.findIndex((line) => BEGIN.test(line));
  if (begin < 0) return { ok: false, problem: 'the Power Stats HAL dump has no "PowerStats HAL 2.0 energy meter" table (no on-device power monitor)' };
  const rails: RailReading[] = [];
  for (const line of lines.slice(begin + 1)) {
    if (END.test(line)) {
      if (rails.length === 0) return { ok: false, problem: 'the Power Stats HAL lists no energy meter rails' };
      return { ok: true, rails };
    }
    if (!line.trim() || /^\s*Channel\s+Cumulative Energy/.test(line) || /^Elapsed time:/.test(line)) continue;
    const match = ROW.exec(line);
    if (!match) return { ok: false, problem: `the Power Stats HAL's energy meter has a row this version does not read: "${line.trim().slice(0, 80)}"` };
    const mJ = Number(match[3]);
    if (!Number.isFinite(mJ) || mJ < 0) return { ok: false, problem: `the Power Stats HAL reports ${match[3]} mWs for ${match[1]}: not an energy` };
    rails.push({ rail: match[1]!, subsystem: match[2]!, mJ });
  }
  return { ok: false, problem: 'the Power Stats HAL energy meter table is cut off (no "End of" line)' };
}
