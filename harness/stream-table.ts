/**
 * The rows `bench all` prints after each batch of jobs: only the ones not
 * printed yet. Reprinting a model's whole table after each batch (and
 * MobileNetV2's again under InceptionV3's) buried the new numbers in the old;
 * the report file still holds everything, rewritten as results come.
 */
import { keyId, type RunRecord } from './core/record.ts';

/** A record with only the measurements and failures not in `shown` (by key id), which it then adds to `shown`. */
export function unshown(record: RunRecord, shown: Set<string>): RunRecord {
  const fresh = <T extends { key: RunRecord['measurements'][number]['key'] }>(entries: readonly T[]) => entries.filter((entry) => !shown.has(keyId(entry.key)));
  const measurements = fresh(record.measurements);
  const failures = fresh(record.failures);
  for (const entry of [...measurements, ...failures]) shown.add(keyId(entry.key));
  return { ...record, measurements, failures };
}
