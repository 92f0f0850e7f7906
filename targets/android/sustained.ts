/**
 * Sustained mode on a phone: its thermal status and temperatures (`dumpsys
 * thermalservice`, ./adb-parsers.ts) and CPU frequencies (./cpufreq.ts)
 * read over adb every second while the job runs, dated from the start of
 * its loop (the page reports it; benchmark_model keeps no per-run times, so
 * its jobs get no series).
 */
import { watchSustained, type SustainedWatch } from '../../harness/core/sustained.ts';
import { AdbCommandError, type Adb } from './adb.ts';
import { CPUFREQ_COMMAND, parseCpuFreqs } from './cpufreq.ts';

/** A phone watched through one sustained job (harness/core/sustained.ts's watch). */
export type PhoneSustained = SustainedWatch;

/** How often the phone is read: each reading is two adb calls. */
export const PHONE_SAMPLE_MS = 1000;

export function phoneSustained(adb: Adb, serial: string, intervalMs = PHONE_SAMPLE_MS): PhoneSustained {
  const read = async () => {
    const [thermal, freqs] = await Promise.all([
      adb.thermal(serial),
      adb.shell(serial, `${CPUFREQ_COMMAND} 2>&1`).catch((error: unknown) => (error instanceof AdbCommandError ? error.stdout : Promise.reject(error))),
    ]);
    const cpu = parseCpuFreqs(freqs);
    return {
      ...(thermal ? { thermalStatus: thermal.status, thermalName: thermal.statusName, temperaturesC: thermal.maxTemperatureC } : {}),
      ...(cpu.ok ? { cpuMhz: cpu.mhz } : {}),
    };
  };
  return watchSustained({ read, intervalMs, deviceSource: 'adb' });
}
