/**
 * An A/B whose A page is another tree's: pages alternate A B B A across
 * page pairs, the page server switched to A's bundle and wasm for A's pages
 * and back to B's for B's (and after, whatever happens), each A page's loop
 * paired with the B page beside it. A real static server; the page host is
 * a stand-in that opens the page URL as a browser would and answers with
 * samples that say which side's page it got. The build's answer is checked
 * before anything is served from it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAnswer } from '../../targets/page/ab-bundle.ts';
import { runAlternatingPages } from '../../targets/page/ab-pages.ts';
import type { PageJob, PageResult } from '../../targets/page/app/protocol.ts';
import type { PageJobRun } from '../../targets/page/job-flow.ts';
import type { PageHost } from '../../targets/page/page-host.ts';
import { startStaticServer } from '../../targets/page/server.ts';
import { tempDir } from '../helpers/tmp.ts';

const measurement = (ms: number, evaluate: boolean) => ({ samples: [ms, ms, ms], evaluation: evaluate ? { images: 4, accuracy: ms === 2 ? 0.5 : 0.75 } : null }) as unknown as Extract<PageResult, { measurement: unknown }>['measurement'];

test('A and B pages alternate, each served its own bundle; the server is left serving B', async (t) => {
  const root = await tempDir('ab-own-pages');
  const server = await startStaticServer();
  t.after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  const mounts = { a: { '/': join(root, 'a'), '/vendor/x/': join(root, 'a-wasm') }, b: { '/': join(root, 'b'), '/vendor/x/': join(root, 'b-wasm') } };
  for (const [side, dir] of [['a', 'a'], ['a', 'a-wasm'], ['b', 'b'], ['b', 'b-wasm']] as const) {
    await mkdir(join(root, dir), { recursive: true });
    await writeFile(join(root, dir, dir.endsWith('wasm') ? 'r.wasm' : 'index.html'), side);
  }
  for (const [prefix, dir] of Object.entries(mounts.b)) server.mount(prefix, dir);
  const served: string[] = [];
  const fail: { on?: string } = {};
  // A browser opening the one page URL: which page (and wasm) it gets is the server's doing.
  const host = {
    name: 'stand-in',
    alive: true,
    run: async (job: PageJob): Promise<PageResult> => {
      const page = await (await fetch(`${server.origin}/index.html`)).text();
      const wasm = await (await fetch(`${server.origin}/vendor/x/r.wasm`)).text();
      served.push(`${page}${wasm}`);
      const base = { protocol: 1, id: job.id, startedAt: '', finishedAt: '' } as const;
      if (fail.on === page) return { ...base, ok: false, phase: 'load', error: { name: 'Error', message: `${page} cannot load` } } as unknown as PageResult;
      return { ...base, ok: true, measurement: measurement(page === 'a' ? 2 : 3, job.kernel.evaluate !== false), runtime: { backend: 'wasm', versions: {} } } as unknown as PageResult;
    },
  } as unknown as PageHost;
  const run = { host, where: 'stand-in', timeoutMs: 5000 } as unknown as PageJobRun;
  const job = (id: string) => ({ id, kernel: { evaluate: true } }) as unknown as PageJob;

  const result = await runAlternatingPages({ jobs: { a: job('A'), b: job('B') }, mounts, processes: 4, server }, run);
  assert.ok(result.ok);
  assert.equal(result.design, 'alternating processes');
  assert.deepEqual(served, ['aa', 'bb', 'bb', 'aa', 'bb', 'aa', 'aa', 'bb'], 'A B | B A | B A | A B, each with its own wasm');
  assert.deepEqual(result.processes, Array.from({ length: 4 }, () => ({ a: [2, 2, 2], b: [3, 3, 3] })));
  assert.deepEqual([result.evaluation?.a?.accuracy, result.evaluation?.b?.accuracy], [0.5, 0.75], 'each side evaluated once, by its own page');
  assert.equal(await (await fetch(`${server.origin}/index.html`)).text(), 'b');

  served.length = 0;
  fail.on = 'a';
  const failed = await runAlternatingPages({ jobs: { a: job('A'), b: job('B') }, mounts, processes: 4, server }, run);
  assert.ok(!failed.ok && failed.side === 'a' && failed.phase === 'load', JSON.stringify(failed));
  assert.deepEqual(served, ['aa']);
  assert.equal(await (await fetch(`${server.origin}/index.html`)).text(), 'b', "B's page again after a failure");
});

test("the tree's answer: absolute folders under prefixes that start with /, nothing else", () => {
  assert.deepEqual(parseAnswer('{"dir":"/t/page","vendor":{"/vendor/tfjs-wasm/":"/t/nm/wasm"}}'), { '/': '/t/page', '/vendor/tfjs-wasm/': '/t/nm/wasm' });
  for (const bad of ['{"dir":"page","vendor":{}}', '{"dir":"/t","vendor":{"vendor/":"/x"}}', '{"dir":"/t","vendor":{"/":"/x"}}', '{"dir":"/t","vendor":{"/v/":"x"}}', '{"dir":"/t"}', 'not json']) {
    assert.throws(() => parseAnswer(bad), Error, bad);
  }
});
