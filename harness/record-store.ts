/**
 * Writes the run record `<out>/runs/<run-id>/run.json` incrementally: the
 * whole record is rewritten after every device, measurement and failure,
 * into a temporary file that is then renamed over run.json. A rename is
 * atomic, so a kill at any moment leaves the previous or the next valid JSON.
 * What is written is redacted (core/redact.ts): credentials in the resolved
 * config or in an error message never reach the disk.
 *
 * Each version is signed: `run.json.mac` beside it holds an HMAC-SHA256 of
 * its bytes with the user's private key (core/record-mac.ts), so that an
 * earlier run's accuracy is reused only from records this harness wrote.
 * Writes never follow a link planted in the out folder (core/safe-fs.ts); a
 * full disk removes the temporary file and is one line. A record a killed
 * run left `running` is marked interrupted by the next command that takes
 * the out folder's lock (`closeAbandonedRuns`).
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runDir, runsDir } from './core/layout.ts';
import { isSafeSegment } from './core/path-segment.ts';
import { MAC_SUFFIX, MAX_RECORD_BYTES, macText, readSignedRecord, recordKey, type RecordKey, type RecordKeyResult } from './core/record-mac.ts';
import { redactRecord } from './core/redact.ts';
import { assertNoLinkBetween, readFileNoFollow, writeFileAtomic, type WriteData } from './core/safe-fs.ts';
import { RECORD_SCHEMA, type ArtifactInfo, type DeviceInfo, type Failure, type Measurement, type RunRecord, type RuntimeSize, type TrainingSummary } from './core/record.ts';
import { withGflops } from './model-flops.ts';
import type { ModelProfile } from './core/profile.ts';

/** What this harness benchmarks; compare and history only match records with the same name and version. */
export const BENCHMARK = { name: 'edgebench-image-classifier', version: 1 } as const;

export const RECORD_FILE = 'run.json';

/**
 * A run id that sorts by start time: `2025-01-02T03-04-05-678Z-1a2b3c`
 * (UTC, no characters a file system dislikes) plus a random suffix so two
 * runs started in the same millisecond differ.
 */
export function newRunId(date = new Date()): string {
  return `${date.toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
}

export type RecordInit = Omit<RunRecord, 'schema' | 'benchmark' | 'runId' | 'startedAt' | 'status' | 'devices' | 'measurements' | 'failures' | 'finishedAt'> & {
  runId?: string;
  startedAt?: string;
};

export interface StoreOptions {
  /** The signing key (default: this user's, from the private cache); without one, records are written unsigned. */
  key?: RecordKeyResult;
  /** How bytes reach the disk (tests simulate a full disk here). */
  write?: WriteData;
}

export class RunRecordStore {
  readonly record: RunRecord;
  /** Absolute path of run.json. */
  readonly path: string;
  private readonly out: string;
  private readonly key: RecordKey | undefined;
  private readonly write: WriteData | undefined;

  private constructor(record: RunRecord, out: string, path: string, options: StoreOptions) {
    this.record = record;
    this.out = out;
    this.path = path;
    const key = options.key ?? recordKey();
    this.key = 'reason' in key ? undefined : key;
    this.write = options.write;
  }

  /** Creates runs/<run-id>/ and writes the first version of the record (status `running`). */
  static create(out: string, init: RecordInit, options: StoreOptions = {}): RunRecordStore {
    const { runId = newRunId(), startedAt = new Date().toISOString(), ...rest } = init;
    const record: RunRecord = {
      schema: RECORD_SCHEMA,
      benchmark: { ...BENCHMARK },
      runId,
      startedAt,
      status: 'running',
      ...rest,
      devices: [],
      measurements: [],
      failures: [],
    };
    const dir = runDir(out, runId);
    const path = join(dir, RECORD_FILE);
    assertNoLinkBetween(out, path, 'run record');
    mkdirSync(dir, { recursive: true });
    const store = new RunRecordStore(record, out, path, options);
    store.flush();
    return store;
  }

  /** Adds devices not yet listed (by id). */
  addDevices(devices: DeviceInfo[]): void {
    for (const device of devices) {
      if (!this.record.devices.some((known) => known.id === device.id && known.kind === device.kind)) this.record.devices.push(device);
    }
    this.flush();
  }

  /** Adds the artifacts and training summaries of models measured after the record was opened (`bench all` streams model by model). */
  addModels(artifacts: ArtifactInfo[], training: TrainingSummary[]): void {
    const known = new Set(this.record.artifacts.map((artifact) => artifact.id));
    this.record.artifacts.push(...artifacts.filter((artifact) => !known.has(artifact.id)));
    const trained = new Set(this.record.training.map((entry) => entry.model));
    this.record.training.push(...training.filter((entry) => !trained.has(entry.model)));
    this.flush();
  }

  setRuntimeSizes(sizes: RuntimeSize[]): void {
    this.record.runtimeSizes = sizes;
    this.flush();
  }

  addMeasurement(measurement: Measurement): void {
    this.record.measurements.push(withGflops(measurement, this.record.artifacts));
    this.flush();
  }

  /** Replaces `previous` (a job measured in fewer rounds so far) with `next`, or adds `next`. */
  replaceMeasurement(previous: Measurement | undefined, next: Measurement): void {
    const index = previous ? this.record.measurements.indexOf(previous) : -1;
    const counted = withGflops(next, this.record.artifacts);
    if (index >= 0) this.record.measurements[index] = counted;
    else this.record.measurements.push(counted);
    this.flush();
  }

  /** Adds a model's profile (`bench profile`). */
  addProfile(profile: ModelProfile): void {
    (this.record.profiles ??= []).push(profile);
    this.flush();
  }

  addFailure(failure: Failure): void {
    this.record.failures.push(failure);
    this.flush();
  }

  /** Ends the run: `complete`, or `interrupted` after Ctrl-C. */
  finish(status: 'complete' | 'interrupted'): void {
    this.record.status = status;
    this.record.finishedAt = new Date().toISOString();
    this.flush();
  }

  /** Synchronous on purpose: writes never interleave, and nothing is pending when the process is killed. */
  private flush(): void {
    writeSigned(this.path, `${JSON.stringify(redactRecord(this.record))}\n`, { inside: this.out, key: this.key, write: this.write });
  }
}

/** Writes run.json, then its MAC (when there is a key): a crash between leaves a record that does not verify, never a false one. */
function writeSigned(path: string, text: string, options: { inside: string; key: RecordKey | undefined; write?: WriteData | undefined }): void {
  const io = { inside: options.inside, ...(options.write ? { write: options.write } : {}) };
  writeFileAtomic(path, text, io);
  if (options.key) writeFileAtomic(`${path}${MAC_SUFFIX}`, macText(options.key, Buffer.from(text)), io);
}

/**
 * Marks every record under `<out>/runs` still `running` as interrupted, its
 * end the last time it was written. Call it only while holding the out
 * folder's lock: every writer holds it, so such a record's writer is gone
 * (killed with -9, out of disk, a crash). A signed record stays signed; an
 * unsigned one is closed but not signed (that would vouch for it).
 * Returns the run ids closed.
 */
export function closeAbandonedRuns(out: string, options: { key?: RecordKeyResult } = {}): string[] {
  const dir = runsDir(out);
  let names: string[];
  try {
    if (lstatSync(dir).isSymbolicLink()) return [];
    names = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory() && isSafeSegment(entry.name)).map((entry) => entry.name);
  } catch {
    return [];
  }
  let key: RecordKeyResult | undefined = options.key;
  const closed: string[] = [];
  for (const name of names) {
    const path = join(dir, name, RECORD_FILE);
    let record: RunRecord;
    let modified: Date;
    try {
      record = JSON.parse(readFileNoFollow(path, MAX_RECORD_BYTES).toString('utf8')) as RunRecord;
      modified = lstatSync(path).mtime;
    } catch {
      continue; // No record, or not one anyone could read as such: history lists it as skipped.
    }
    if (record?.status !== 'running') continue;
    key ??= recordKey();
    const signed = 'reason' in readSignedRecord(path, key) ? undefined : (key as RecordKey);
    record.status = 'interrupted';
    record.finishedAt ??= modified.toISOString();
    writeSigned(path, `${JSON.stringify(record)}\n`, { inside: out, key: signed });
    closed.push(name); // The folder name: a safe segment, unlike whatever the file says.
  }
  return closed;
}
