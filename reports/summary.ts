/**
 * The report's headline: per model and device, the fastest Mobile option
 * (TF.js) against the fastest Lite option (.tflite), in plain words.
 * Pure; shared by the HTML report and markdown.
 */
import { runtimeName, type TableRow } from './table-row.ts';
import { formatBytes, formatMs, formatPercent, formatPoints, formatTimes } from '../harness/core/format.ts';

export interface SummaryOption {
  rowId: string;
  /** "the int8 .tflite on tflite-node", "the TF.js model on tfjs-wasm". */
  label: string;
  format: TableRow['format'];
  variant: TableRow['variant'];
  runtime: string;
  batchSize: number;
  p50: number;
  sizeBytes: number | null;
  accuracy: number | null;
}

export interface DeviceSummary {
  device: string;
  deviceName: string;
  mobile: SummaryOption | null;
  lite: SummaryOption | null;
  /** Mobile p50 / Lite p50: above 1 means Lite is faster. */
  speedup: number | null;
  /** Mobile bytes / Lite bytes: above 1 means Lite is smaller. */
  sizeRatio: number | null;
  /** Lite accuracy − Mobile accuracy, in percentage points. */
  accuracyDeltaPoints: number | null;
  sentence: string;
}

function describe(row: TableRow): string {
  const artifact = row.format === 'tfjs' ? (row.variant === 'float32' ? 'the TF.js model' : `the ${row.variant} TF.js model`) : `the ${row.variant} .tflite`;
  const extras = [row.options, row.batchSize && row.batchSize !== 1 ? `batch ${row.batchSize}` : ''].filter(Boolean).join(', ');
  return `${artifact} on ${runtimeName(row)}${extras ? ` (${extras})` : ''}`;
}

function fastest(rows: TableRow[]): SummaryOption | null {
  let best: TableRow | null = null;
  for (const row of rows) if (row.p50 !== null && (best === null || row.p50 < best.p50!)) best = row;
  if (!best) return null;
  return {
    rowId: best.id,
    label: describe(best),
    format: best.format,
    variant: best.variant,
    runtime: best.runtime,
    batchSize: best.batchSize ?? 1,
    p50: best.p50!,
    sizeBytes: best.sizeBytes,
    accuracy: best.accuracy,
  };
}

/** A Lite/Mobile ratio in words: "3.1× faster", "1.4× slower", or null within 2% (about the same). */
function ratioWords(ratio: number, better: string, worse: string): string | null {
  if (ratio >= 0.98 && ratio <= 1.02) return null;
  return ratio > 1 ? `${formatTimes(ratio)} ${better}` : `${formatTimes(1 / ratio)} ${worse}`;
}

/** One summary per device the model was measured on, device ids sorted. */
export function summarizeModel(rows: TableRow[]): DeviceSummary[] {
  const measured = rows.filter((row) => row.status === 'measured' && row.p50 !== null);
  const devices = [...new Set(measured.map((row) => row.device))].sort();
  return devices.map((device) => {
    const onDevice = measured.filter((row) => row.device === device);
    // Latency at different batch sizes does not compare: use the smallest batch measured.
    const batch = Math.min(...onDevice.map((row) => row.batchSize ?? 1));
    const candidates = onDevice.filter((row) => (row.batchSize ?? 1) === batch);
    const mobile = fastest(candidates.filter((row) => row.format === 'tfjs'));
    const lite = fastest(candidates.filter((row) => row.format === 'tflite'));
    const deviceName = onDevice[0]!.deviceName;
    const where = `On ${deviceName}${deviceName === device ? '' : ` (${device})`}`;
    const speedup = mobile && lite ? mobile.p50 / lite.p50 : null;
    const sizeRatio = mobile?.sizeBytes && lite?.sizeBytes ? mobile.sizeBytes / lite.sizeBytes : null;
    const accuracyDeltaPoints = mobile?.accuracy != null && lite?.accuracy != null ? (lite.accuracy - mobile.accuracy) * 100 : null;
    let sentence: string;
    if (mobile && lite) {
      const differences: string[] = [];
      const alike: string[] = [];
      const speed = ratioWords(speedup!, 'faster', 'slower');
      if (speed) differences.push(speed);
      else alike.push('about as fast');
      const details = [`p50 ${formatMs(lite.p50)} vs ${formatMs(mobile.p50)}`];
      if (sizeRatio !== null) {
        const size = ratioWords(sizeRatio, 'smaller', 'larger');
        if (size) differences.push(size);
        else alike.push('about the same size');
        details.push(`${formatBytes(lite.sizeBytes)} vs ${formatBytes(mobile.sizeBytes)}`);
      }
      let body = differences.length
        ? `is ${differences.join(' and ')} than ${mobile.label}${alike.length ? `, ${alike.join(', ')}` : ''}`
        : `is ${alike.join(' and ')} as ${mobile.label}`;
      if (accuracyDeltaPoints !== null) {
        body += Math.abs(accuracyDeltaPoints) < 0.05 ? ', same accuracy' : `, ${formatPoints(accuracyDeltaPoints)} accuracy`;
        details.push(`${formatPercent(lite.accuracy)} vs ${formatPercent(mobile.accuracy)}`);
      }
      sentence = `${where}, ${lite.label} ${body} (${details.join('; ')}).`;
    } else {
      const only = (mobile ?? lite)!;
      const path = mobile ? 'Mobile' : 'Lite';
      const other = mobile ? 'Lite' : 'Mobile';
      sentence = `${where}, only the ${path} path was measured (no ${other} result to compare): fastest is ${only.label}, p50 ${formatMs(only.p50)}${only.accuracy !== null ? `, accuracy ${formatPercent(only.accuracy)}` : ''}.`;
    }
    return { device, deviceName, mobile, lite, speedup, sizeRatio, accuracyDeltaPoints, sentence };
  });
}
