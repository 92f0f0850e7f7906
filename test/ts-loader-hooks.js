// The module hooks of ./ts-loader.js: each of our .ts files compiled by
// esbuild's transform (types stripped, one file at a time, as tsconfig's
// isolatedModules and verbatimModuleSyntax promise), the result kept on disk
// keyed by the file's path and content, so a test process compiles nothing
// that an earlier one compiled. Resolution stays Node's own: every import in
// this tree names its file with its extension.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const CACHE = fileURLToPath(new URL('../node_modules/.cache/edgebench-test-ts/', import.meta.url));
// tsconfig.json's target is ES2022: class fields are defined, as tsc would emit them.
const OPTIONS = {
  loader: 'ts',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
};
let esbuild;
let version;

/** The installed esbuild's version, read without loading it: part of every key, so an upgrade compiles again. */
function esbuildVersion() {
  version ??= JSON.parse(readFileSync(new URL('../node_modules/esbuild/package.json', import.meta.url), 'utf8')).version;
  return version;
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/')) return next(url, context);
  const path = fileURLToPath(url);
  const source = readFileSync(path, 'utf8');
  const key = createHash('sha256').update(JSON.stringify([esbuildVersion(), OPTIONS, path])).update('\0').update(source).digest('hex');
  const cached = join(CACHE, `${key}.js`);
  try {
    return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  } catch {
    // Not compiled yet: below.
  }
  esbuild ??= await import('esbuild');
  const { code } = await esbuild.transform(source, { ...OPTIONS, sourcefile: path });
  try {
    // Written aside and renamed: two test processes compiling the same file never read half of it.
    // Its files are executed: a folder of this tree's packages, only its owner's to write (0700).
    mkdirSync(CACHE, { recursive: true, mode: 0o700 });
    const partial = `${cached}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, cached);
  } catch {
    // A cache that cannot be written costs the next process a compile, nothing else.
  }
  return { format: 'module', source: code, shortCircuit: true };
}
