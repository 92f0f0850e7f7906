/**
 * The report viewer's script (esbuild over reports/viewer and ECharts) is
 * kept in the private cache between processes and used while esbuild and
 * every input file are unchanged; a stale or corrupt entry is built again,
 * never served (reports/bundle.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadViewerScript } from '../../reports/bundle.ts';

test('the viewer script is built once, kept privately, and built again when an input changes or the entry is corrupt', async () => {
  const root = await mkdtemp(join(tmpdir(), 'edgebench-viewer-'));
  try {
    const env = { XDG_CACHE_HOME: root };
    const kept = join(root, 'edgebench', 'report-viewer', 'viewer.json');

    const built = await loadViewerScript(env);
    assert.match(built, /echarts/i, 'the script holds ECharts');
    assert.doesNotMatch(built, /<\/script/i, 'safe inside a <script> element');
    const entry = JSON.parse(await readFile(kept, 'utf8')) as { script: string; inputs: Record<string, [number, number]> };
    assert.equal(entry.script, built);
    assert.ok(Object.keys(entry.inputs).some((input) => input.endsWith('reports/viewer/main.ts')), 'the viewer\'s own source is an input');
    assert.ok(Object.keys(entry.inputs).some((input) => input.includes('node_modules/echarts/')), 'ECharts\' sources are inputs');
    assert.equal((await stat(kept)).mode & 0o077, 0, 'readable by this user alone');

    // Current: the kept script is what is served (a marked copy shows it was not rebuilt).
    await writeFile(kept, JSON.stringify({ ...entry, script: `${entry.script}/*kept*/` }));
    assert.equal(await loadViewerScript(env), `${built}/*kept*/`);

    // An input that changed since (its stamp no longer matches): built again, and the new build kept.
    const [input] = Object.keys(entry.inputs);
    await writeFile(kept, JSON.stringify({ ...entry, script: 'stale', inputs: { ...entry.inputs, [input!]: [1, 1] } }));
    assert.equal(await loadViewerScript(env), built);
    assert.equal((JSON.parse(await readFile(kept, 'utf8')) as { script: string }).script, built);

    // Not JSON: built again.
    await writeFile(kept, '{ not json');
    assert.equal(await loadViewerScript(env), built);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
