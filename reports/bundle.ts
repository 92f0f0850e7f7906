/**
 * Bundles the viewer (reports/viewer/main.ts + the parts of ECharts it uses)
 * into one minified script for inlining, kept for the life of the process
 * (`bench all` writing several reports bundles once) and between processes:
 * esbuild over ECharts is ~1.2 CPU s of every command that writes a report.
 *
 * The kept script goes into every report's `<script>`, so it lives in the
 * user's private cache folder (harness/core/private-dir.ts: no other user
 * may plant one), with esbuild's version and every input file's size and
 * modification time: a change to any of them builds it again. A kept entry
 * that is missing, unreadable or stale, or no private folder at all, means a
 * build, never an error.
 */
import { build, version as esbuildVersion } from 'esbuild';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { fileStampsSchema, keepEntry, readKeptEntry, stampFiles, stampsCurrent } from '../harness/core/kept-entry.ts';
import { privateCacheDir } from '../harness/core/private-dir.ts';

const entry = fileURLToPath(new URL('./viewer/main.ts', import.meta.url));
let cached: Promise<string> | undefined;

/** The viewer as one browser script (IIFE), safe to put inside a `<script>` element. */
export function viewerScript(): Promise<string> {
  cached ??= loadViewerScript().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

const keptSchema = z.strictObject({ esbuild: z.string(), entry: z.string(), inputs: fileStampsSchema, script: z.string() });
/** The script is ~1 MB (ECharts' parts, minified); an entry far larger is not ours. */
const MAX_KEPT_BYTES = 16 * 2 ** 20;

/** The viewer script from the private cache while it is current, else built and kept; `viewerScript` keeps it for the process. */
export async function loadViewerScript(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const folder = privateCacheDir('report-viewer', env);
  const path = 'dir' in folder ? join(folder.dir, 'viewer.json') : undefined;
  const kept = path ? readKeptEntry(path, keptSchema, MAX_KEPT_BYTES) : undefined;
  if (kept && kept.esbuild === esbuildVersion && kept.entry === entry && (await stampsCurrent(kept.inputs))) return kept.script;
  const { script, inputs } = await bundle();
  if (path) keepEntry(path, { esbuild: esbuildVersion, entry, inputs: await stampFiles(inputs), script } satisfies z.infer<typeof keptSchema>);
  return script;
}

async function bundle(): Promise<{ script: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    write: false,
    metafile: true,
    // ECharts' license header stays at the end of the file.
    legalComments: 'eof',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text;
  if (!code) throw new Error(`esbuild produced no output for ${entry}`);
  // A literal "</script" inside the code would end the inline element early.
  return { script: code.replace(/<\/script/gi, '<\\/script'), inputs: Object.keys(result.metafile.inputs).map((input) => resolve(input)) };
}
