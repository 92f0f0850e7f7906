/**
 * Rounds in a read record are checked like the rest of it: a record with
 * rounds and conditions reads back whole; a broken round is refused with the
 * field named; a record from before rounds still reads (no rounds, no
 * conditions).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRunRecord } from '../../harness/core/record-schema.ts';
import { measurement, record } from '../fixtures/report-records.ts';

const withRounds = () => {
  const value = record({ runId: 'r1', measurements: [measurement({ rounds: [[10, 11], [12, 13, 14]] })] });
  return { ...value, conditions: { rounds: 2, order: 'interleaved' as const, cooldownMs: 0, threads: 2, affinity: { cpus: [1], applied: true } } };
};

test('rounds and conditions read back whole', () => {
  const value = withRounds();
  const check = checkRunRecord(JSON.parse(JSON.stringify(value)));
  assert.ok(check.ok, check.ok ? '' : check.problem);
  assert.deepEqual(check.record.measurements[0]!.rounds!.map((entry) => entry.samples), [[10, 11], [12, 13, 14]]);
  assert.deepEqual(check.record.conditions, value.conditions);
});

test('a broken round is refused with its field named; a record from before rounds reads', () => {
  const broken = JSON.parse(JSON.stringify(withRounds()));
  broken.measurements[0].rounds[1].latency = 'fast';
  const check = checkRunRecord(broken);
  assert.equal(check.ok, false);
  assert.match(check.ok ? '' : check.problem, /^measurements\[0\]\.rounds\[1\]\.latency: /);
  const noRound = JSON.parse(JSON.stringify(withRounds()));
  noRound.measurements[0].rounds = [];
  assert.match((checkRunRecord(noRound) as { problem: string }).problem, /^measurements\[0\]\.rounds: /);
  const old = checkRunRecord(JSON.parse(JSON.stringify(record({ runId: 'old', measurements: [measurement({ samples: [1, 2, 3] })] }))));
  assert.ok(old.ok);
  assert.equal(old.record.measurements[0]!.rounds, undefined);
  assert.equal(old.record.conditions, undefined);
});
