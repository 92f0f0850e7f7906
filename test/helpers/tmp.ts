import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder for one test. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `edgebench-${prefix}-`));
}
