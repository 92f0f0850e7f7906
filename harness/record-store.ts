/**
 * Writes the run record `<out>/runs/<run-id>/run.json` incrementally: the
 * whole record is rewritten after every device, measurement and failure,
 * into a temporary file that is then renamed over run.json. A rename is
 * atomic, so a kill at any moment leaves the previous or the next valid JSON.
 * What is written is redacted (core/redact.ts): credentials in the resolved
 * config or in an error message never reach the disk.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDir } from './core/layout.ts';
import { redactRecord } from './core/redact.ts';
import { RECORD_SCHEMA, type DeviceInfo, type Failure, type Measurement, type RunRecord, type RuntimeSize } from './core/record.ts';

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

export class RunRecordStore {
  readonly record: RunRecord;
  /** Absolute path of run.json. */
  readonly path: string;
  private readonly temporaryPath: string;

  private constructor(record: RunRecord, path: string) {
    this.record = record;
    this.path = path;
    this.temporaryPath = `${path}.${process.pid}.tmp`;
  }

  /** Creates runs/<run-id>/ and writes the first version of the record (status `running`). */
  static create(out: string, init: RecordInit): RunRecordStore {
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
    mkdirSync(dir, { recursive: true });
    const store = new RunRecordStore(record, join(dir, RECORD_FILE));
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

  setRuntimeSizes(sizes: RuntimeSize[]): void {
    this.record.runtimeSizes = sizes;
    this.flush();
  }

  addMeasurement(measurement: Measurement): void {
    this.record.measurements.push(measurement);
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
    writeFileSync(this.temporaryPath, `${JSON.stringify(redactRecord(this.record))}\n`);
    renameSync(this.temporaryPath, this.path);
  }
}
