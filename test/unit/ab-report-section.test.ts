/**
 * The HTML report's A/B section: the out folder's newest verdict file, read
 * as untrusted input (a malformed or linked file leaves the section out),
 * shown with B/A, its interval, accuracy on both sides and the design, every
 * string escaped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { abSection, latestAbVerdict } from '../../reports/ab-html.ts';
import { tempDir } from '../helpers/tmp.ts';

const verdict = (key: string) => ({
  schema: 'edgebench-ab/1',
  createdAt: '2026-12-06T16:00:00.000Z',
  baseline: 'origin/main (a1f05cc86d37)',
  sides: [{ key, design: 'in-process' }],
  keys: [
    { key, verdict: 'regressed', reason: 'B/A 1.081 (+8.1%)', adjustedP: 0.001, estimate: { ratio: 1.0812, low: 1.052, high: 1.111, pValue: 0.0004 }, quality: { accuracy: { baseline: 0.9, current: 0.875 } } },
    { key: 'other', verdict: 'regressed', reason: 'failed on B, not on A: load failed', adjustedP: null },
  ],
});

test('the newest verdict is shown: ratio, interval, accuracy A → B, design, escaped', async (t) => {
  const out = await tempDir('ab-report');
  t.after(() => rm(out, { recursive: true, force: true }));
  assert.equal(latestAbVerdict(out), null, 'no ab folder: no section');
  await mkdir(join(out, 'ab'));
  await writeFile(join(out, 'ab', '2026-12-05T10-00-00-000Z.json'), JSON.stringify(verdict('older')));
  await writeFile(join(out, 'ab', '2026-12-06T16-00-00-000Z.json'), JSON.stringify(verdict('m/<script>alert(1)</script>')));
  const view = latestAbVerdict(out);
  assert.equal(view?.file, '2026-12-06T16-00-00-000Z.json');
  const section = abSection(view!);
  assert.ok(!section.includes('<script>'), 'a key cannot open a script');
  assert.match(section, /m\/&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(section, /<td class="num">1\.081<\/td><td class="num">1\.052–1\.111<\/td><td>90\.0% → 87\.5%<\/td><td>in-process<\/td>/);
  assert.match(section, /failed on B, not on A: load failed/);
  assert.match(section, /against origin\/main \(a1f05cc86d37\)/);
});

test('a newest file that is not a verdict, or is a link, leaves the section out', async (t) => {
  const out = await tempDir('ab-report-bad');
  t.after(() => rm(out, { recursive: true, force: true }));
  await mkdir(join(out, 'ab'));
  await writeFile(join(out, 'ab', '2026-12-06T16-00-00-000Z.json'), '{"keys": "nope"}');
  assert.equal(latestAbVerdict(out), null);
  await writeFile(join(out, 'elsewhere.json'), JSON.stringify(verdict('k')));
  await symlink(join(out, 'elsewhere.json'), join(out, 'ab', '2026-12-07T00-00-00-000Z.json'));
  assert.equal(latestAbVerdict(out), null, 'a link is not followed');
});
