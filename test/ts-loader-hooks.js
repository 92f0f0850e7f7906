// The module hooks of ./ts-loader.js: each of our .ts files compiled by
// esbuild's transform (types stripped, one file at a time, as tsconfig's
// isolatedModules and verbatimModuleSyntax promise), the result kept on disk
// keyed by the file's path and content, so a test process compiles nothing
// that an earlier one compiled. Resolution stays Node's own: every import in
// this tree names its file with its extension.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/**
 * TF.js's CommonJS packages. Importing one, Node's loader lexes its source and
 * every module it re-exports to find the export names: ~0.6 CPU s for
 * @tensorflow/tfjs in every test process and `bench` child that imports it,
 * more than loading it. Here the module is an ES module facade over its
 * require (the same module, one require cache) whose names, the same as
 * Node's (`default`, then each of module.exports' own keys), are read once
 * and kept on disk, keyed by the file and every TF.js package's version.
 * (Each package's `main`, dist/*.node.js.) As targets/node/worker-bundle.ts does
 * for the worker. It is required with source maps off (./ts-loader.js turns
 * them on for our .ts files): Node would otherwise read and parse TF.js's
 * .map files, 18 MB, in every process, for stack traces into TF.js's sources.
 */
const TFJS_COMMONJS = /\/node_modules\/@tensorflow\/tfjs(?:-core|-backend-cpu|-backend-wasm|-backend-webgpu|-backend-webgl|-converter|-layers|-data)?\/dist\/[^/]+\.node\.js$/;
const FACADE = 'edgebench-tfjs-facade/1';

function tfjsVersions() {
  const root = fileURLToPath(new URL('../node_modules/@tensorflow/', import.meta.url));
  return readdirSync(root)
    .sort()
    .map((name) => {
      try {
        return `${name}@${JSON.parse(readFileSync(join(root, name, 'package.json'), 'utf8')).version}`;
      } catch {
        return name;
      }
    });
}

/** The facade's source, or undefined where its names cannot be read (Node's own loading then). */
function commonjsFacade(url) {
  const path = fileURLToPath(url);
  const key = createHash('sha256').update(JSON.stringify([FACADE, path, tfjsVersions()])).update('\0').update(readFileSync(path)).digest('hex');
  const cached = join(CACHE, `${key}.names.json`);
  let names;
  try {
    names = JSON.parse(readFileSync(cached, 'utf8'));
  } catch {
    try {
      names = Object.keys(createRequire(url)(path)).filter((name) => name !== 'default');
    } catch {
      return undefined;
    }
    try {
      mkdirSync(CACHE, { recursive: true, mode: 0o700 });
      const partial = `${cached}.${process.pid}.tmp`;
      writeFileSync(partial, JSON.stringify(names));
      renameSync(partial, cached);
    } catch {
      // Read again by the next process, nothing else.
    }
  }
  const lines = [
    `import { createRequire } from 'node:module';`,
    'const maps = process.sourceMapsEnabled;',
    'process.setSourceMapsEnabled(false);',
    'let m;',
    `try { m = createRequire(${JSON.stringify(url)})(${JSON.stringify(path)}); } finally { process.setSourceMapsEnabled(maps); }`,
    'export default m;',
  ];
  names.forEach((name, i) => lines.push(`const v${i} = m[${JSON.stringify(name)}];`, `export { v${i} as ${JSON.stringify(name)} };`));
  return { format: 'module', source: lines.join('\n'), shortCircuit: true };
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && TFJS_COMMONJS.test(url)) return commonjsFacade(url) ?? next(url, context);
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
