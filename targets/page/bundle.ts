/**
 * Builds the benchmark page (app/main.ts + the shared kernel + TF.js and
 * LiteRT.js) into one ES module with esbuild, cached under
 * `<out>/cache/browser-page/`. The cache is reused while every input file
 * esbuild read keeps its size and modification time, so editing the kernel or
 * the page source rebuilds it and nothing else does.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { PAGE_SOURCE_DIR } from './assets.ts';
import { PAGE_PATH } from './app/protocol.ts';

export const PAGE_SCRIPT = 'page.js';

export interface PageBundle {
  /** Folder to serve at `/`: index.html, page.js, page.js.map. */
  dir: string;
  /** False when the cached bundle was up to date. */
  built: boolean;
  /** Bytes of page.js. */
  bytes: number;
}

interface BuildManifest {
  esbuild: string;
  entry: string;
  /** Absolute input path → [size, mtimeMs]. */
  inputs: Record<string, [number, number]>;
}

const MANIFEST = 'build.json';

export function pageBundleDir(out: string): string {
  return join(out, 'cache', 'browser-page');
}

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgebench</title>
<link rel="icon" href="data:,">
<script type="module" src="./${PAGE_SCRIPT}"></script>
</head>
<body><p>edgebench benchmark page: driven through <code>window.edgebench</code> (see docs/protocol.md).</p></body>
</html>
`;

async function upToDate(dir: string, entry: string): Promise<boolean> {
  let manifest: BuildManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as BuildManifest;
  } catch {
    return false;
  }
  if (manifest.esbuild !== esbuild.version || manifest.entry !== entry) return false;
  for (const [path, [size, mtimeMs]] of Object.entries(manifest.inputs)) {
    const info = await stat(path).catch(() => null);
    if (!info || info.size !== size || info.mtimeMs !== mtimeMs) return false;
  }
  return (await stat(join(dir, PAGE_SCRIPT)).catch(() => null)) !== null;
}

/** Writes a file under a temporary name and renames it, so a reader never sees half a file. */
async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

export interface BuildPageOptions {
  /** Rebuild even when the cache looks current. */
  force?: boolean;
  /** Entry module; the page's main.ts by default (tests may build another page). */
  entry?: string;
}

export async function buildPageBundle(out: string, options: BuildPageOptions = {}): Promise<PageBundle> {
  const dir = pageBundleDir(resolve(out));
  const entry = resolve(options.entry ?? join(PAGE_SOURCE_DIR, 'main.ts'));
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
  const inputs: BuildManifest['inputs'] = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const path = resolve(input);
    const info = await stat(path).catch(() => null);
    if (info) inputs[path] = [info.size, info.mtimeMs];
  }
  let bytes = 0;
  for (const file of result.outputFiles) {
    await writeAtomic(file.path, file.contents);
    if (file.path.endsWith(PAGE_SCRIPT)) bytes = file.contents.length;
  }
  await writeAtomic(join(dir, PAGE_PATH.slice(1)), INDEX_HTML);
  const manifest: BuildManifest = { esbuild: esbuild.version, entry, inputs };
  await writeAtomic(join(dir, MANIFEST), JSON.stringify(manifest));
  return { dir, built: true, bytes };
}
