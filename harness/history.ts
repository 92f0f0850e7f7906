/**
 * Listing and loading run records: `<out>/runs/<run-id>/run.json`.
 *
 * Every reader of past runs (report, history, compare) goes through here, so
 * that "latest", a run id and a path mean the same thing everywhere, and a
 * partial record (a run that crashed while `running`) loads like any other.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from './core/errors.ts';
import { RECORD_SCHEMA, type RunRecord } from './core/record.ts';
import { checkRunRecord } from './core/record-schema.ts';
import { isSafeSegment } from './core/path-segment.ts';
import { runDir, runsDir } from './core/layout.ts';

/** One line of `bench history`. */
export interface RunSummary {
  runId: string;
  /** Absolute path of run.json. */
  path: string;
  schema: number;
  benchmark: { name: string; version: number } | null;
  startedAt: string;
  finishedAt: string | null;
  status: RunRecord['status'];
  measurements: number;
  failures: number;
  models: string[];
  /** Device ids measured on. */
  devices: string[];
  git: { commit: string; dirty: boolean } | null;
}

export interface RunListing {
  /** Oldest first. */
  runs: RunSummary[];
  /** Folders under runs/ without a readable record, with the reason. */
  skipped: { path: string; reason: string }[];
}

/** Thrown when a record is missing or is not a run record; compare maps it to exit code 3. */
export class RecordError extends UserError {
  override name = 'RecordError';
}

/** Reads and checks one run.json. Arrays a crashed run never wrote are filled in empty. */
export async function readRunRecord(path: string): Promise<RunRecord> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RecordError(
      code === 'ENOENT' ? `no run record at ${path}` : `cannot read run record ${path}: ${(error as Error).message}`,
      'RECORD_NOT_FOUND',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RecordError(`run record ${path} is not valid JSON (${(error as Error).message}); the run may have been killed while writing it`, 'RECORD_INVALID');
  }
  return normalizeRecord(parsed, `run record ${path}`);
}

/**
 * Checks a parsed record against the schema (core/record-schema.ts) and fills
 * the arrays a partial record may lack. A bad field is one line naming the
 * source and the field; a record of a newer schema is refused.
 */
export function normalizeRecord(value: unknown, source = 'run record'): RunRecord {
  const check = checkRunRecord(value);
  if (!check.ok) throw new RecordError(`${source}: ${check.problem}`, 'RECORD_INVALID');
  return check.record;
}

/** Every run under `<out>/runs`, oldest first; unreadable ones are listed in `skipped`. */
export async function listRuns(out: string): Promise<RunListing> {
  const dir = runsDir(out);
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], skipped: [] };
    throw error;
  }
  const runs: RunSummary[] = [];
  const skipped: RunListing['skipped'] = [];
  for (const name of names) {
    const path = join(dir, name, 'run.json');
    try {
      runs.push(summarize(await readRunRecord(path), path));
    } catch (error) {
      skipped.push({ path, reason: (error as Error).message });
    }
  }
  runs.sort(byStart);
  return { runs, skipped };
}

export function summarize(record: RunRecord, path: string): RunSummary {
  return {
    runId: record.runId,
    path,
    schema: record.schema,
    benchmark: record.benchmark ?? null,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt ?? null,
    status: record.status,
    measurements: record.measurements.length,
    failures: record.failures.length,
    models: [...new Set([...record.measurements, ...record.failures].map((entry) => entry.key.model))].sort(),
    devices: [...new Set(record.measurements.map((entry) => entry.key.device))].sort(),
    git: record.git ?? null,
  };
}

function byStart(left: { startedAt: string; runId: string }, right: { startedAt: string; runId: string }): number {
  return left.startedAt < right.startedAt ? -1 : left.startedAt > right.startedAt ? 1 : left.runId.localeCompare(right.runId);
}

export interface ResolveOptions {
  /** A run id that `latest` must skip (compare: the current run). */
  exclude?: string;
  cwd?: string;
}

/**
 * Finds a run record by reference: undefined or `latest` (the newest run,
 * skipping `exclude`), a run id under `<out>/runs`, or a path to a run.json
 * or to a folder holding one.
 */
export async function resolveRun(out: string, ref: string | undefined, options: ResolveOptions = {}): Promise<{ record: RunRecord; path: string }> {
  if (ref === undefined || ref === '' || ref === 'latest') {
    const { runs } = await listRuns(out);
    const candidates = runs.filter((run) => run.runId !== options.exclude);
    const newest = candidates.at(-1);
    if (!newest) {
      const what = options.exclude ? `no run other than ${options.exclude}` : 'no runs';
      throw new RecordError(`${what} under ${runsDir(out)}: run \`bench run\` first, or pass a run id or a run.json path`, 'RECORD_NOT_FOUND');
    }
    return { record: await readRunRecord(newest.path), path: newest.path };
  }
  // Only a safe folder name is taken for a run id (`..` or `a/b` are paths, resolved below like any other).
  if (isSafeSegment(ref)) {
    const byId = join(runDir(out, ref), 'run.json');
    if (await isFile(byId)) return { record: await readRunRecord(byId), path: byId };
  }
  const asPath = resolve(options.cwd ?? process.cwd(), ref);
  if (await isFile(asPath)) return { record: await readRunRecord(asPath), path: asPath };
  const inFolder = join(asPath, 'run.json');
  if (await isFile(inFolder)) return { record: await readRunRecord(inFolder), path: inFolder };
  throw new RecordError(`no run "${ref}": not a run id under ${runsDir(out)} nor a run.json path (\`bench history\` lists the runs)`, 'RECORD_NOT_FOUND');
}

/**
 * Earlier runs of the same benchmark definition and schema (started before
 * `record`), oldest first, at most `limit` of them (the most recent ones).
 */
export async function loadHistory(out: string, record: RunRecord, options: { limit?: number } = {}): Promise<RunRecord[]> {
  const { runs } = await listRuns(out);
  const earlier = runs.filter(
    (run) =>
      run.runId !== record.runId &&
      byStart(run, record) < 0 &&
      run.schema === RECORD_SCHEMA &&
      run.benchmark?.name === record.benchmark.name &&
      run.benchmark?.version === record.benchmark.version,
  );
  const limit = options.limit ?? 20;
  const kept = limit > 0 ? earlier.slice(-limit) : [];
  const records: RunRecord[] = [];
  for (const run of kept) {
    try {
      records.push(await readRunRecord(run.path));
    } catch {
      // Listed a moment ago; a record that vanished or broke since is left out of the trend.
    }
  }
  return records;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
