/**
 * The report shows each key's noise: the spread of its round medians in the
 * run, and its run-to-run spread over the earlier runs on the same machine
 * (runs from another machine do not count), in the data, the HTML table and
 * the markdown summary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReportData, renderHtml, renderMarkdown } from '../../reports/index.ts';
import { coefficientOfVariation } from '../../reports/noise.ts';
import { varianceComponents } from '../../harness/core/significance.ts';
import { measurement, record } from '../fixtures/report-records.ts';

/** Rounds whose medians are exactly `medians` (one sample each). */
const withRounds = (medians: number[]) => measurement({ rounds: medians.map((value) => [value]) });

test('round noise from this run, run-to-run noise from earlier runs on this machine only', () => {
  const current = record({ runId: 'now', startedAt: '2025-01-05T00:00:00.000Z', measurements: [withRounds([10, 11, 12])] });
  const history = [
    record({ runId: 'h1', startedAt: '2025-01-01T00:00:00.000Z', measurements: [withRounds([9, 9.5, 10])] }),
    record({ runId: 'h2', startedAt: '2025-01-02T00:00:00.000Z', measurements: [withRounds([12, 12.5, 13])] }),
    record({ runId: 'h3', startedAt: '2025-01-02T12:00:00.000Z', measurements: [withRounds([10.5, 11, 11.2])] }),
    record({ runId: 'elsewhere', startedAt: '2025-01-03T00:00:00.000Z', measurements: [withRounds([50, 51, 52])], host: { cpu: 'Another CPU' } }),
  ];
  const row = buildReportData(current, { history }).models[0]!.rows[0]!;
  assert.equal(row.rounds, 3);
  const logs = (values: number[]) => values.map(Math.log);
  assert.equal(row.roundNoise, coefficientOfVariation(varianceComponents([logs([10, 11, 12])]).round.variance));
  const expected = varianceComponents([logs([9, 9.5, 10]), logs([12, 12.5, 13]), logs([10.5, 11, 11.2]), logs([10, 11, 12])]);
  assert.ok(expected.run.variance > 0);
  assert.equal(row.runNoise, coefficientOfVariation(expected.run.variance), 'the run on another CPU would make this far larger');
  assert.equal(row.noiseRuns, 4);
  // From fewer than 4 runs the run-to-run spread is not shown (often zero by chance).
  assert.equal(buildReportData(current, { history: history.slice(1) }).models[0]!.rows[0]!.runNoise, null);

  const htmlCell = /<td data-field="roundNoise"[^>]*>([^<]*)<\/td>/.exec(renderHtml(buildReportData(current, { history }), ''))!;
  assert.equal(htmlCell[1], `±${(row.roundNoise! * 100).toFixed(1)}% · runs ±${(row.runNoise! * 100).toFixed(1)}%`);
  assert.match(renderMarkdown(current, { history }), new RegExp(`\\| ±${(row.roundNoise! * 100).toFixed(1)}% \\(3 rounds\\), runs ±${(row.runNoise! * 100).toFixed(1)}% \\|`));
});

test('a record from before rounds shows one round and no noise', () => {
  const row = buildReportData(record({ runId: 'old', measurements: [measurement({ samples: [10, 11, 12] })] })).models[0]!.rows[0]!;
  assert.deepEqual([row.rounds, row.roundNoise, row.runNoise], [1, null, null]);
  assert.match(renderMarkdown(record({ runId: 'old', measurements: [measurement({ samples: [10, 11, 12] })] })), /\| 1 round \|/);
});
