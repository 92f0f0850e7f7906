/**
 * The stored A/A calibration, `<out>/calibration.json` (see
 * reports/noise.ts for what it holds): written by `bench calibrate`, read by
 * `bench compare` and the report.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { calibrationPath } from './core/layout.ts';
import { writeFileAtomic } from './core/safe-fs.ts';
import type { NoiseCalibration } from '../reports/noise.ts';

/** The calibration under `out`, or null when there is none; a broken file is null with the reason. */
export async function readCalibration(out: string): Promise<{ calibration: NoiseCalibration | null; problem?: string }> {
  const path = calibrationPath(out);
  if (!existsSync(path)) return { calibration: null };
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as NoiseCalibration;
    if (parsed?.schema !== 1 || typeof parsed.keys !== 'object' || !parsed.host) return { calibration: null, problem: `${path} is not a calibration of this version (run \`bench calibrate\` again)` };
    return { calibration: parsed };
  } catch (error) {
    return { calibration: null, problem: `${path} cannot be read (${(error as Error).message}); run \`bench calibrate\` again` };
  }
}

/** Writes the calibration atomically, never through a link planted in the out folder; returns its path. */
export async function writeCalibration(out: string, calibration: NoiseCalibration): Promise<string> {
  const path = calibrationPath(out);
  writeFileAtomic(path, `${JSON.stringify(calibration, null, 2)}\n`, { inside: out });
  return path;
}
