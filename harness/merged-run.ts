/**
 * A merged run read from the command line (`lab-a=/runs/x,lab-b=/runs/y`):
 * each run folder or run.json read and validated as any record is, then
 * merged (./merge-runs.ts). The one reader behind `bench report --merge` and
 * `bench compare --merge` / a merged `--baseline`, so that both see the same
 * devices and keys.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from './core/errors.ts';
import type { RunRecord } from './core/record.ts';
import { readRunRecord } from './history.ts';
import { mergeRuns, parseMergeArgument } from './merge-runs.ts';

export interface MergedRun {
  record: RunRecord;
  /** The argument as given, for messages. */
  path: string;
  /** `label=runId` of each run merged, in order: two merged runs are the same when these are. */
  sources: string[];
}

/** True when a run reference names several runs to merge (a comma-separated list). */
export function isRunList(reference: string | undefined): reference is string {
  return reference !== undefined && reference.includes(',');
}

export async function readMergedRun(argument: string, cwd: string): Promise<MergedRun> {
  const runs = [];
  for (const [index, entry] of argument.split(',').filter(Boolean).entries()) {
    const { label, path } = parseMergeArgument(entry.trim(), index);
    const full = resolve(cwd, path);
    let folder: boolean;
    try {
      folder = statSync(full).isDirectory();
    } catch {
      throw new UserError(`--merge: no run at ${full}`, 'RECORD_NOT_FOUND');
    }
    runs.push({ label, record: await readRunRecord(folder ? join(full, 'run.json') : full) });
  }
  return { record: mergeRuns(runs), path: argument, sources: runs.map((run) => `${run.label}=${run.record.runId}`) };
}
