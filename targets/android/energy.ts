/**
 * Energy per inference on a phone, by the best source it has:
 *
 * 1. `power-stats-hal`: the on-device power monitor's rails (./power-stats.ts),
 *    read before and after the measured window. Just before, the same rails
 *    over `idleMs` of the phone doing nothing give its idle power; that power
 *    times the window's length is taken off, so what is left is what the
 *    inferences cost. Independent of charging (the rails sit after the PMIC).
 * 2. `battery`: the battery's current × voltage (./battery-power.ts) sampled
 *    every `sampleMs` through the window: the whole phone's power, idle
 *    included. Valid only while the battery discharges: on a charger the
 *    current is the charger's, so a charging phone gets "not measured: charging".
 * 3. `none`, with the reason each source was not usable.
 *
 * The window is the measured loop where the job says when it starts and ends
 * (page jobs report their phases), else the whole job (benchmark_model runs in
 * one shell call: its init and warm-up are inside, and counted as inferences
 * where they are inferences). The record says which.
 */
import type { Adb } from './adb.ts';
import { AdbCommandError } from './adb.ts';
import { BATTERY_SAMPLE_COMMAND, parseBatteryPower, type BatteryPowerParse, type BatteryPowerSample } from './battery-power.ts';
import { parsePowerStats, type PowerStatsParse, type RailReading } from './power-stats.ts';
import type { EnergyRecord, EnergyWindowKind, RailEnergy } from '../../harness/core/energy-record.ts';

export type { EnergyRecord, EnergyWindowKind } from '../../harness/core/energy-record.ts';

export const POWER_STATS_COMMAND = 'dumpsys android.hardware.power.stats.IPowerStats/default';

/** Where the phone's energy figures come from (adb in a run, canned texts in unit tests). */
export interface EnergySources {
  powerStats(): Promise<PowerStatsParse>;
  battery(): Promise<BatteryPowerParse>;
}

/** Reads both sources over adb; stderr is merged on the phone, so "Can't find service" reaches the parser. */
export function adbEnergySources(adb: Adb, serial: string): EnergySources {
  const read = (command: string) =>
    adb.shell(serial, `${command} 2>&1`).catch((error: unknown) => {
      // grep exits 2 on a missing file, dumpsys non-zero on a missing service: their output still says why.
      if (error instanceof AdbCommandError) return `${error.stdout}\n${error.stderr}`;
      throw error;
    });
  return {
    powerStats: async () => parsePowerStats(await read(POWER_STATS_COMMAND)),
    battery: async () => parseBatteryPower(await read(BATTERY_SAMPLE_COMMAND)),
  };
}

export interface EnergyOptions {
  /** Idle baseline before the window (rails only), ms. */
  idleMs: number;
  /** Battery sampling interval, ms. */
  sampleMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Per-rail difference of two readings, mJ; a rail missing from either or running backwards (a reset) is a problem. */
export function railDeltas(before: RailReading[], after: RailReading[]): { ok: true; deltas: RailReading[] } | { ok: false; problem: string } {
  const later = new Map(after.map((reading) => [reading.rail, reading]));
  const deltas: RailReading[] = [];
  for (const first of before) {
    const second = later.get(first.rail);
    if (!second) return { ok: false, problem: `rail ${first.rail} vanished from the Power Stats HAL between two readings` };
    if (second.mJ < first.mJ) return { ok: false, problem: `rail ${first.rail} ran backwards (${first.mJ} → ${second.mJ} mJ): the counters were reset` };
    deltas.push({ rail: first.rail, subsystem: first.subsystem, mJ: second.mJ - first.mJ });
  }
  return { ok: true, deltas };
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** The rails' record from the idle and window deltas. Pure: exactly tested. */
export function railEnergy(args: { idle: RailReading[]; idleMs: number; window: RailReading[]; windowMs: number; inferences: number; kind: EnergyWindowKind }): EnergyRecord {
  const idleByRail = new Map(args.idle.map((reading) => [reading.rail, reading.mJ]));
  const rails: RailEnergy[] = args.window.map((reading) => {
    const idleMJ = ((idleByRail.get(reading.rail) ?? 0) * args.windowMs) / args.idleMs;
    const netMJ = Math.max(0, reading.mJ - idleMJ);
    return { rail: reading.rail, subsystem: reading.subsystem, mJ: round3(reading.mJ), netMJ: round3(netMJ), mJPerInference: round3(netMJ / args.inferences) };
  });
  const totalMJ = args.window.reduce((sum, reading) => sum + reading.mJ, 0);
  const idleTotal = args.idle.reduce((sum, reading) => sum + reading.mJ, 0);
  const netMJ = rails.reduce((sum, rail) => sum + rail.netMJ, 0);
  return {
    method: 'power-stats-hal',
    window: args.kind,
    inferences: args.inferences,
    durationMs: Math.round(args.windowMs),
    idle: { durationMs: Math.round(args.idleMs), mW: round3(idleTotal / (args.idleMs / 1000)) },
    totalMJ: round3(totalMJ),
    netMJ: round3(netMJ),
    mJPerInference: round3(netMJ / args.inferences),
    rails,
  };
}

/**
 * One job's energy measurement. `begin()` picks the source and takes the idle
 * baseline (before the job starts); `open()` and `close()` bound the window;
 * `result(inferences, kind)` gives the record. Errors of the sources become
 * `none` with the reason: energy never fails a job.
 */
export class EnergyMeter {
  private source: 'hal' | 'battery' | undefined;
  private reason = '';
  private idle: { deltas: RailReading[]; ms: number } | undefined;
  private start: { at: number; rails?: RailReading[] } | undefined;
  private end: { at: number; rails?: RailReading[] } | undefined;
  private samples: BatteryPowerSample[] = [];
  private sampling: Promise<void> | undefined;
  private stopSampling = false;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly sources: EnergySources,
    private readonly options: EnergyOptions,
  ) {
    this.sleep = options.sleep ?? sleepFor;
    this.now = options.now ?? (() => performance.now());
  }

  /** Chooses the source; with rails, measures the idle power now. */
  async begin(): Promise<void> {
    try {
      const hal = await this.sources.powerStats();
      if (hal.ok) {
        const startedAt = this.now();
        await this.sleep(this.options.idleMs);
        const after = await this.sources.powerStats();
        const ms = this.now() - startedAt;
        if (!after.ok) return this.give(`the Power Stats HAL stopped answering: ${after.problem}`);
        const deltas = railDeltas(hal.rails, after.rails);
        if (!deltas.ok) return this.give(deltas.problem);
        this.idle = { deltas: deltas.deltas, ms };
        this.source = 'hal';
        return;
      }
      const battery = await this.sources.battery();
      if (!battery.ok) return this.give(`${hal.problem}; and ${battery.problem}`);
      if (battery.sample.status !== 'Discharging') return this.give(`not measured: charging (battery status ${battery.sample.status}: its current is the charger's, not the phone's draw; unplug it or use a phone with an on-device power monitor)`);
      this.source = 'battery';
    } catch (error) {
      this.give(`reading the phone's power failed: ${(error as Error).message}`);
    }
  }

  /** Start of the window. */
  async open(): Promise<void> {
    if (!this.source || this.start) return;
    try {
      if (this.source === 'hal') {
        const reading = await this.sources.powerStats();
        if (!reading.ok) return this.give(reading.problem);
        this.start = { at: this.now(), rails: reading.rails };
      } else {
        this.start = { at: this.now() };
        this.sampling = this.sample();
      }
    } catch (error) {
      this.give(`reading the phone's power failed: ${(error as Error).message}`);
    }
  }

  /** End of the window (a second call does nothing). */
  async close(): Promise<void> {
    if (!this.source || !this.start || this.end) return;
    try {
      if (this.source === 'hal') {
        const reading = await this.sources.powerStats();
        if (!reading.ok) return this.give(reading.problem);
        this.end = { at: this.now(), rails: reading.rails };
      } else {
        this.end = { at: this.now() };
        this.stopSampling = true;
        await this.sampling;
      }
    } catch (error) {
      this.give(`reading the phone's power failed: ${(error as Error).message}`);
    }
  }

  /** The record, given the inferences the window held. */
  result(inferences: number, kind: EnergyWindowKind): EnergyRecord {
    if (!this.source) return { method: 'none', reason: this.reason || 'energy was not measured' };
    if (!this.start || !this.end) return { method: 'none', reason: 'the measured window was never closed (the job failed before its loop ended)' };
    if (!(inferences > 0)) return { method: 'none', reason: 'the window held no inference' };
    const windowMs = this.end.at - this.start.at;
    if (this.source === 'hal') {
      const deltas = railDeltas(this.start.rails!, this.end.rails!);
      if (!deltas.ok) return { method: 'none', reason: deltas.problem };
      return railEnergy({ idle: this.idle!.deltas, idleMs: this.idle!.ms, window: deltas.deltas, windowMs, inferences, kind });
    }
    if (this.samples.length === 0) return { method: 'none', reason: 'no battery sample was read during the window' };
    const charging = this.samples.find((sample) => sample.status !== 'Discharging');
    if (charging) return { method: 'none', reason: `not measured: charging (the battery turned ${charging.status} during the window)` };
    const meanPowerMw = this.samples.reduce((sum, sample) => sum + sample.powerMw, 0) / this.samples.length;
    // Energy from the duration as recorded: mean power × durationMs / inferences gives the record's own figure
    // (from the unrounded window it was up to 0.013 mJ off at 1.3 W and 51 inferences, and the e2e check failed).
    const durationMs = Math.round(windowMs);
    return {
      method: 'battery',
      window: kind,
      inferences,
      durationMs,
      samples: this.samples.length,
      sampleHz: round3(this.samples.length / Math.max(windowMs / 1000, 1e-3)),
      meanPowerMw: round3(meanPowerMw),
      includesIdle: true,
      mJPerInference: round3((meanPowerMw * durationMs) / 1000 / inferences),
    };
  }

  private give(reason: string): void {
    this.source = undefined;
    this.reason = reason;
    this.stopSampling = true;
  }

  private async sample(): Promise<void> {
    while (!this.stopSampling) {
      const reading = await this.sources.battery().catch((error: unknown) => ({ ok: false as const, problem: (error as Error).message }));
      if (reading.ok) this.samples.push(reading.sample);
      if (this.stopSampling) break;
      await this.sleep(this.options.sampleMs);
    }
  }
}
