/**
 * `bench ab` on the browser target, in headless Chromium: A and B loaded in
 * the same page and timed alternately there, over two fresh pages (A B, then
 * B A), then each evaluated there. One run holds two models: a copy of the
 * baseline's (measured in pairs, the same accuracy on both sides) and one whose weights are broken on B while A's load (a
 * regression naming its key: exit 1).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readdir, readFile, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { bench } from '../helpers/cli.ts';
import { makeTinyReferenced } from '../helpers/tiny-referenced.ts';
import { seedPageBundle } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

let root: string;
before(async () => {
  root = await tempDir('ab-browser');
  const base = join(root, 'base');
  // The copy with its agreement reference made (the tier's build cache): B's reference is not made again in a worker.
  await makeTinyReferenced(base);
  await makeTinyArtifact(base, { model: 'broken' });
  await cp(base, join(root, 'change'), { recursive: true });
  const mobile = join(root, 'change', 'models', 'broken', 'mobile');
  const weights = (await readdir(mobile)).find((name) => name.endsWith('.bin'))!;
  await truncate(join(mobile, weights), 10);
  // The page bundle of the tier's build cache, linked in: the pages are served from B's out folder.
  await seedPageBundle(join(root, 'change'));
});
after(() => rm(root, { recursive: true, force: true }));

test('A/B in Chromium pages: the copy is measured in pairs, the B that cannot load is a regression naming its key (exit 1)', async () => {
  const result = await bench(['ab', '--json', '--out', join(root, 'change'), '--baseline', join(root, 'base'), '--model', 'tiny,broken', '--targets', 'browser', '--browser', 'chromium', '--backends', 'tfjs-cpu', '--processes', '2', '--pairs', '8', '--min-time', '0', '--warmup', '1']);
  assert.equal(result.code, 1, result.stderr);
  const json = JSON.parse(result.stdout) as { keys: { key: string; verdict: string; reason: string; estimate?: { processes: number; pairs: number }; quality?: { accuracy: { baseline: number | null; current: number | null; verdict: string } } }[]; path: string };
  const copy = json.keys.find((key) => key.key.startsWith('tiny/'));
  const broken = json.keys.find((key) => key.key.startsWith('broken/'));
  assert.ok(copy && broken, JSON.stringify(json.keys));
  assert.ok(copy.key.includes('@browser:') && copy.key.includes('/tfjs-cpu'), copy.key);
  // Its verdict is not asserted: 16 pairs of a sub-millisecond model on a loaded 2-core machine decide nothing either way
  // (A/A against false alarms is the Node tests' and benchmark:ab's); here the pairs and both sides' accuracy are the point.
  assert.deepEqual([copy.estimate?.processes, (copy.estimate?.pairs ?? 0) >= 16], [2, true]);
  // Both sides evaluated in the page after their pairs: the same files, the same accuracy.
  assert.ok(copy.quality && copy.quality.accuracy.baseline !== null && copy.quality.accuracy.baseline > 0, JSON.stringify(copy.quality));
  assert.deepEqual([copy.quality.accuracy.current, copy.quality.accuracy.verdict], [copy.quality.accuracy.baseline, 'same']);
  assert.equal(broken.verdict, 'regressed', broken.reason);
  assert.match(result.stderr, new RegExp(`regressed\\s+${broken.key.replace(/[[\]().*+?^$|\\]/g, '\\$&')}\\s.*failed on B, not on A: load failed`));
  const saved = JSON.parse(await readFile(json.path, 'utf8')) as { skipped: string[] };
  assert.deepEqual(saved.skipped, []);
});
