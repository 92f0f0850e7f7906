/**
 * Number formatting shared by the HTML writer, the viewer and markdown, so a
 * figure reads the same everywhere. Pure; no Node or DOM APIs (the viewer
 * bundles it).
 */

/** Milliseconds with about three significant digits: 0.123, 1.23, 12.3, 123, 1234. */
export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ms`;
}

/** Bytes in binary units: 512 B, 12.3 KiB, 4.56 MiB. */
export function formatBytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let scaled = value;
  let unit = 0;
  while (Math.abs(scaled) >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(scaled)} B`;
  return `${scaled.toFixed(Math.abs(scaled) >= 100 ? 0 : Math.abs(scaled) >= 10 ? 1 : 2)} ${units[unit]}`;
}

/** A fraction in [0, 1] as a percentage with one decimal: 0.925 → 92.5%. */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(1)}%`;
}

/** Images per second. */
export function formatThroughput(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)}/s`;
}

/** A ratio ≥ 1 as "3.1×". */
export function formatTimes(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}×`;
}

/** Signed percentage points: +0.4 / −1.2 points. */
export function formatPoints(points: number): string {
  const rounded = Math.abs(points) < 0.05 ? 0 : points;
  return `${rounded > 0 ? '+' : rounded < 0 ? '−' : '±'}${Math.abs(rounded).toFixed(1)} points`;
}

/** A small float such as a max |Δp|: 1.2e-6, 0.034. */
export function formatSmall(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  return Math.abs(value) < 0.001 ? value.toExponential(1) : value.toPrecision(2);
}

/** `2025-01-02T03:04:05.678Z` → `2025-01-02 03:04:05 UTC`. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
}

/** "1 failure", "2 failures". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** The first non-empty line of an error's message (or of any text), trimmed: what a one-line warning shows. */
export function firstLine(error: unknown): string {
  const text = typeof error === 'string' ? error : String((error as Error)?.message ?? error);
  return text.split(/\r?\n/).map((line) => line.trim()).find(Boolean) ?? '';
}
