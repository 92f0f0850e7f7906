/**
 * Sustained mode on the Node target through `runBenchmarks`: a few seconds
 * of tfjs-cpu on the tiny model leave the per-second latency series in the
 * record, with the host's readings where its sysfs has them and a note
 * saying which it has not (this CI VM exposes no cpufreq or thermal zones).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { checkRunRecord } from '../../harness/core/record-schema.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';

let out: string;

before(async () => {
  out = mkdtempSync(join(tmpdir(), 'edgebench-sustained-'));
  await makeTinyArtifact(out);
});
after(() => rmSync(out, { recursive: true, force: true }));

test('a 3 s sustained run on Node records latency per second and what the host lets it read', async () => {
  const config = parseConfig({ out, models: ['tiny'], run: { targets: ['node'], backends: ['tfjs-cpu'], warmupIterations: 1, sustained: '3s' } });
  const { record } = await runBenchmarks({ config, log: memoryLogger(), out });
  assert.equal(record.measurements.length, 1, JSON.stringify(record.failures));
  const [measurement] = record.measurements;
  assert.equal(measurement!.rounds?.length ?? 1, 1, 'one round');
  const sustained = measurement!.sustained!;
  assert.ok(sustained, 'the series is in the record');
  assert.equal(sustained.deviceSource, 'sysfs');
  assert.ok(sustained.durationS >= 2.5 && sustained.durationS <= 3.5, `${sustained.durationS} s`);
  assert.deepEqual(sustained.perSecond.map((second) => second.t), [...Array(sustained.perSecond.length).keys()], 'one entry per second, in order');
  assert.ok(sustained.perSecond.length >= 3);
  assert.equal(sustained.perSecond.reduce((sum, second) => sum + second.inferences, 0), measurement!.samples.length);
  assert.ok(sustained.perSecond.every((second) => second.p50 > 0));
  assert.equal(sustained.firstThrottleS, null, 'a host has no thermal status');
  const readable = existsSync('/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq');
  const inLoop = sustained.device.filter((reading) => reading.t >= 0);
  assert.ok(inLoop.length >= 2, `${inLoop.length} readings in the loop`);
  if (readable) assert.ok(inLoop.every((reading) => reading.cpuMhz && Object.keys(reading.cpuMhz).length > 0));
  else assert.match(sustained.deviceNote ?? '', /not readable on this host: CPU frequencies/);
  const checked = checkRunRecord(JSON.parse(JSON.stringify(record)));
  assert.ok(checked.ok, checked.ok ? '' : checked.problem);
});
