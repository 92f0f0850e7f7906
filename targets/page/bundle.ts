/**
 * Builds the benchmark page (app/main.ts + the shared kernel + TF.js and
 * LiteRT.js) into one ES module with esbuild, cached under
 * `<out>/cache/browser-page/`. The cache is reused while every input file
 * esbuild read keeps its size and modification time, so editing the kernel or
 * the page source rebuilds it and nothing else does.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { z } from 'zod';
import { fileStampsSchema, readKeptEntry, stampFiles, stampsCurrent } from '../../harness/core/kept-entry.ts';
import { assertNoLinkBetween, writeFileAtomic } from '../../harness/core/safe-fs.ts';
import { PAGE_SOURCE_DIR } from './assets.ts';
import { PAGE_PATH, PAGE_TITLE } from './app/protocol.ts';

export const PAGE_SCRIPT = 'page.js';

export interface PageBundle {
  /** Folder to serve at `/`: index.html, page.js, page.js.map. */
  dir: string;
  /** False when the cached bundle was up to date. */
  built: boolean;
  /** Bytes of page.js. */
  bytes: number;
}

const manifestSchema = z.strictObject({
  esbuild: z.string().max(100),
  entry: z.string().max(4096),
  /** Every file esbuild read. */
  inputs: fileStampsSchema,
});
type BuildManifest = z.infer<typeof manifestSchema>;

const MANIFEST = 'build.json';
/** A manifest names a few thousand inputs at most (TF.js and LiteRT.js sources): anything larger is not ours. */
const MAX_MANIFEST_BYTES = 4 * 2 ** 20;

export function pageBundleDir(out: string): string {
  return join(out, 'cache', 'browser-page');
}

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${PAGE_TITLE}</title>
<link rel="icon" href="data:,">
<script type="module" src="./${PAGE_SCRIPT}"></script>
</head>
<body><p>edgebench benchmark page: driven through <code>window.edgebench</code> (see docs/protocol.md).</p></body>
</html>
`;

async function upToDate(dir: string, entry: string): Promise<boolean> {
  const manifest = readKeptEntry(join(dir, MANIFEST), manifestSchema, MAX_MANIFEST_BYTES);
  if (!manifest || manifest.esbuild !== esbuild.version || manifest.entry !== entry) return false;
  if (!(await stampsCurrent(manifest.inputs))) return false;
  return (await stat(join(dir, PAGE_SCRIPT)).catch(() => null)) !== null;
}

export interface BuildPageOptions {
  /** Rebuild even when the cache looks current. */
  force?: boolean;
  /** Entry module; the page's main.ts by default (tests may build another page). */
  entry?: string;
}

export async function buildPageBundle(out: string, options: BuildPageOptions = {}): Promise<PageBundle> {
  const root = resolve(out);
  const dir = pageBundleDir(root);
  const entry = resolve(options.entry ?? join(PAGE_SOURCE_DIR, 'main.ts'));
  // The out folder may have come from elsewhere: a linked cache/ would put (and serve) the page outside it.
  assertNoLinkBetween(root, join(dir, MANIFEST), 'page bundle');
  await mkdir(dir, { recursive: true });
  if (!options.force && (await upToDate(dir, entry))) {
    return { dir, built: false, bytes: (await stat(join(dir, PAGE_SCRIPT))).size };
  }
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'external',
    metafile: true,
    write: false,
    outfile: join(dir, PAGE_SCRIPT),
    logLevel: 'silent',
    // TF.js reads process.env in places; the page has no process.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const inputs = await stampFiles(Object.keys(result.metafile.inputs).map((input) => resolve(input)));
  let bytes = 0;
  // Each file whole or not at all (a run beside this one may be serving the last build), the manifest last.
  for (const file of result.outputFiles) {
    writeFileAtomic(file.path, file.contents, { inside: root });
    if (file.path.endsWith(PAGE_SCRIPT)) bytes = file.contents.length;
  }
  writeFileAtomic(join(dir, PAGE_PATH.slice(1)), INDEX_HTML, { inside: root });
  const manifest: BuildManifest = { esbuild: esbuild.version, entry, inputs };
  writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest), { inside: root });
  return { dir, built: true, bytes };
}
