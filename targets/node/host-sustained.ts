/**
 * Sustained mode on the Node host: the host's CPU frequencies
 * (`/sys/devices/system/cpu/cpuN/cpufreq/scaling_cur_freq`, kHz) and thermal
 * zones (`/sys/class/thermal/thermal_zoneN/{type,temp}`, m°C; the kernel's
 * thermal sysfs documentation) read every second while the job's worker runs,
 * dated from the start of its loop. Linux only, and only where readable: a VM
 * or container often exposes neither, and the record says so.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { watchSustained, type DeviceReading, type SustainedWatch } from '../../harness/core/sustained.ts';

const CPU_DIR = '/sys/devices/system/cpu';
const THERMAL_DIR = '/sys/class/thermal';
export const HOST_SAMPLE_MS = 1000;

async function numberIn(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const value = Number(text?.trim());
  return text !== undefined && Number.isFinite(value) ? value : undefined;
}

/** One reading of the host's sysfs: whatever of it is readable (possibly nothing). */
export async function readHost(root = { cpu: CPU_DIR, thermal: THERMAL_DIR }): Promise<Omit<DeviceReading, 't'>> {
  const cpuMhz: Record<string, number> = {};
  for (const name of (await readdir(root.cpu).catch(() => [] as string[])).filter((entry) => /^cpu\d+$/.test(entry))) {
    const khz = await numberIn(join(root.cpu, name, 'cpufreq', 'scaling_cur_freq'));
    if (khz !== undefined) cpuMhz[name] = khz / 1000;
  }
  const temperaturesC: Record<string, number> = {};
  for (const zone of (await readdir(root.thermal).catch(() => [] as string[])).filter((entry) => /^thermal_zone\d+$/.test(entry))) {
    const milli = await numberIn(join(root.thermal, zone, 'temp'));
    const type = (await readFile(join(root.thermal, zone, 'type'), 'utf8').catch(() => zone)).trim() || zone;
    if (milli !== undefined) temperaturesC[type] = Math.max(temperaturesC[type] ?? -Infinity, milli / 1000);
  }
  return { ...(Object.keys(cpuMhz).length ? { cpuMhz } : {}), ...(Object.keys(temperaturesC).length ? { temperaturesC } : {}) };
}

/** The host watched through one sustained job (harness/core/sustained.ts's watch). */
export type HostSustained = SustainedWatch;

/** Says what the host's series lacks: a VM often shows no frequencies or zones, and no host has a thermal status. */
function hostNote(readings: ReadonlyArray<Omit<DeviceReading, 't'>>): string {
  const hasFreq = readings.some((reading) => reading.cpuMhz);
  const hasTemp = readings.some((reading) => reading.temperaturesC);
  const missing = [hasFreq ? '' : `CPU frequencies (${CPU_DIR}/cpu*/cpufreq)`, hasTemp ? '' : `temperatures (${THERMAL_DIR}/thermal_zone*)`].filter(Boolean);
  return `${missing.length ? `not readable on this host: ${missing.join(', ')}; ` : ''}a host has no thermal status: throttling shows in the frequencies`;
}

export function hostSustained(read: () => Promise<Omit<DeviceReading, 't'>> = () => readHost(), intervalMs = HOST_SAMPLE_MS): HostSustained {
  return watchSustained({ read, intervalMs, deviceSource: 'sysfs', deviceNote: hostNote });
}
