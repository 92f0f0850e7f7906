/**
 * Parser of the CPU frequencies, read in one call as `grep .
 * /sys/devices/system/cpu/cpu* /cpufreq/scaling_cur_freq` on a phone (or read
 * file by file on a Linux host): `path:kHz` lines. The kernel's cpufreq
 * documentation (Documentation/admin-guide/pm/cpufreq.rst) gives
 * scaling_cur_freq in kHz; an offline core has no file and is left out.
 */

export const CPUFREQ_COMMAND = 'grep . /sys/devices/system/cpu/cpu*/cpufreq/scaling_cur_freq';

export type CpuFreqParse = { ok: true; mhz: Record<string, number> } | { ok: false; problem: string };

/** `cpu0` → MHz, from `grep` output. Nothing readable is a problem in one line. */
export function parseCpuFreqs(text: string): CpuFreqParse {
  const mhz: Record<string, number> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\/sys\/devices\/system\/cpu\/(cpu\d+)\/cpufreq\/scaling_cur_freq:\s*(\d+)\s*$/.exec(line.trim());
    if (match) mhz[match[1]!] = Number(match[2]) / 1000;
  }
  if (Object.keys(mhz).length === 0) return { ok: false, problem: 'no CPU frequency readable (no /sys/devices/system/cpu/cpu*/cpufreq/scaling_cur_freq)' };
  return { ok: true, mhz };
}
