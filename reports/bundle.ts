/**
 * Bundles the viewer (reports/viewer/main.ts + the parts of ECharts it uses)
 * into one minified script for inlining. esbuild takes well under a second;
 * the result is kept for the life of the process, so `bench all` writing
 * several reports bundles once.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./viewer/main.ts', import.meta.url));
let cached: Promise<string> | undefined;

/** The viewer as one browser script (IIFE), safe to put inside a `<script>` element. */
export function viewerScript(): Promise<string> {
  cached ??= bundle().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    write: false,
    // ECharts' license header stays at the end of the file.
    legalComments: 'eof',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text;
  if (!code) throw new Error(`esbuild produced no output for ${entry}`);
  // A literal "</script" inside the code would end the inline element early.
  return code.replace(/<\/script/gi, '<\\/script');
}
