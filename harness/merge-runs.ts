/**
 * A lab of several hosts: run records made on different machines (each with
 * its own browsers and phones) merged into one record for one report. Each
 * run is a host, labelled by the user (`lab-a=/path/to/run`) or `host1`,
 * `host2` … in order; every device of it gets the label in its id
 * (`chromium-156-on-lab-a`) and in `extra.host`, and every key its device's
 * new id, so a Node `host` or a `chromium-156` on two machines stay two
 * devices and keys from different hosts never match each other. Pure: the
 * records come in already read and validated.
 */
import { UserError } from './core/errors.ts';
import { isSafeSegment, SAFE_SEGMENT_RULE } from './core/path-segment.ts';
import type { DeviceInfo, MeasurementKey, RunRecord } from './core/record.ts';

export interface HostRun {
  label: string;
  record: RunRecord;
}

/** `lab-a=/runs/x` → label and path; a bare path gets `host<n>` (n from 1). */
export function parseMergeArgument(argument: string, index: number): { label: string; path: string } {
  const match = /^([^=/\\]+)=(.+)$/.exec(argument);
  const label = match ? match[1]! : `host${index + 1}`;
  if (!isSafeSegment(label)) throw new UserError(`--merge: host label ${JSON.stringify(label)} is not a safe name (${SAFE_SEGMENT_RULE})`, 'MERGE_LABEL');
  return { label, path: match ? match[2]! : argument };
}

function onHost(device: DeviceInfo, label: string): DeviceInfo {
  return { ...device, id: `${device.id}-on-${label}`, name: `${device.name} on ${label}`, extra: { ...device.extra, host: label } };
}

function keyOnHost(key: MeasurementKey, label: string): MeasurementKey {
  return { ...key, device: `${key.device}-on-${label}` };
}

/** One record from runs on several hosts; at least two, distinct labels, one benchmark definition. */
export function mergeRuns(runs: readonly HostRun[]): RunRecord {
  if (runs.length < 2) throw new UserError('--merge needs two runs or more (one per host)', 'MERGE_TOO_FEW');
  const labels = new Set(runs.map((run) => run.label));
  if (labels.size !== runs.length) throw new UserError(`--merge: each host needs its own label (got ${runs.map((run) => run.label).join(', ')})`, 'MERGE_LABEL');
  const [first] = runs as [HostRun, ...HostRun[]];
  const definition = JSON.stringify(first.record.benchmark);
  const other = runs.find((run) => JSON.stringify(run.record.benchmark) !== definition);
  if (other) throw new UserError(`--merge: ${other.label}'s run benchmarks ${JSON.stringify(other.record.benchmark)}, ${first.label}'s ${definition}: only runs of one benchmark merge`, 'MERGE_MISMATCH');
  const artifacts = new Map(runs.flatMap((run) => run.record.artifacts.map((artifact) => [artifact.id, artifact] as const)));
  const sizes = new Map(runs.flatMap((run) => run.record.runtimeSizes.map((size) => [size.runtime, size] as const)));
  const starts = runs.map((run) => run.record.startedAt).sort();
  const ends = runs.map((run) => run.record.finishedAt).filter((end): end is string => Boolean(end)).sort();
  return {
    ...first.record,
    runId: `merged-${runs.map((run) => run.label).join('-')}`.slice(0, 128),
    startedAt: starts[0]!,
    ...(ends.length === runs.length ? { finishedAt: ends.at(-1)! } : {}),
    status: runs.every((run) => run.record.status === 'complete') ? 'complete' : 'interrupted',
    artifacts: [...artifacts.values()],
    training: runs.flatMap((run) => run.record.training),
    runtimeSizes: [...sizes.values()],
    devices: runs.flatMap((run) => run.record.devices.map((device) => onHost(device, run.label))),
    measurements: runs.flatMap((run) => run.record.measurements.map((measurement) => ({ ...measurement, key: keyOnHost(measurement.key, run.label), device: onHost(measurement.device, run.label) }))),
    failures: runs.flatMap((run) => run.record.failures.map((failure) => ({ ...failure, key: keyOnHost(failure.key, run.label) }))),
  };
}
