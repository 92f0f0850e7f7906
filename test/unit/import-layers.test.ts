/**
 * Layers stay layers (Playwright's DEPS.list in spirit): every relative import
 * of the sources is read, and an import that goes the wrong way between
 * folders, or a cycle between files, fails here with the file and the import.
 *
 *   harness/cli.ts, harness/commands/  →  harness/*.ts (orchestrator)
 *     →  targets/, models/, reports/  →  harness/core/
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SOURCE_FOLDERS = ['harness', 'targets', 'models', 'reports'];

/**
 * What each folder may import, first matching prefix wins. A file may always
 * import files of its own folder rule.
 */
const RULES: Array<{ folder: string; may: string[] }> = [
  { folder: 'harness/core/', may: ['harness/core/'] },
  // The code bundled into the benchmark page: the kernel, the vocabulary, the .tflite reader (to rewrite a file's batch size) and the model.json format check, nothing with Node APIs.
  { folder: 'targets/page/app/', may: ['targets/page/app/', 'targets/kernel/', 'harness/core/', 'models/tflite/reader.ts', 'models/model-format.ts'] },
  { folder: 'targets/kernel/', may: ['targets/kernel/', 'harness/core/'] },
  { folder: 'targets/page/', may: ['targets/page/', 'targets/kernel/', 'targets/types.ts', 'targets/result.ts', 'targets/opt-in.ts', 'models/', 'harness/core/'] },
  { folder: 'targets/browser/', may: ['targets/browser/', 'targets/page/', 'targets/kernel/', 'targets/types.ts', 'targets/result.ts', 'models/', 'harness/core/'] },
  { folder: 'targets/android/', may: ['targets/android/', 'targets/page/', 'targets/kernel/', 'targets/types.ts', 'targets/result.ts', 'models/', 'harness/core/'] },
  { folder: 'targets/', may: ['targets/', 'models/', 'harness/core/'] },
  { folder: 'models/', may: ['models/', 'harness/core/'] },
  { folder: 'reports/', may: ['reports/', 'harness/core/'] },
  { folder: 'harness/commands/', may: ['harness/', 'targets/', 'models/', 'reports/'] },
  { folder: 'harness/cli.ts', may: ['harness/'] },
  // The orchestrator: everything below it, never the CLI or the commands above it.
  { folder: 'harness/', may: ['harness/core/', 'harness/', 'targets/', 'models/', 'reports/'] },
];
const FORBIDDEN_FOR_ORCHESTRATOR = ['harness/commands/', 'harness/cli.ts'];

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts'))
    .map((path) => join(folder, path).split('\\').join('/'));
}

/** Relative imports of a file, static and dynamic, `import type` included (a type cycle is still a tangle). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((match) => match[1]!);
  return specifiers.map((specifier) => relative(ROOT, resolve(ROOT, dirname(file), specifier)).split('\\').join('/'));
}

const files = SOURCE_FOLDERS.flatMap(sourceFiles);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

function ruleFor(file: string) {
  const rule = RULES.find((candidate) => file === candidate.folder || file.startsWith(candidate.folder));
  assert.ok(rule, `no layer rule covers ${file}: add it to RULES`);
  return rule;
}

test('every source file imports only from the layers below it', () => {
  const wrong: string[] = [];
  for (const [file, imports] of graph) {
    const rule = ruleFor(file);
    for (const target of imports) {
      const allowed = rule.may.some((prefix) => target === prefix || target.startsWith(prefix));
      const upward = rule.folder === 'harness/' && FORBIDDEN_FOR_ORCHESTRATOR.some((prefix) => target.startsWith(prefix));
      if (!allowed || upward) wrong.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(wrong, [], `wrong-way imports:\n  ${wrong.join('\n  ')}`);
});

test('no import cycle between source files', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'visiting');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
      else if (!state.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  assert.deepEqual(cycles, [], `import cycles:\n  ${cycles.join('\n  ')}`);
});

test('the checker sees the imports it is meant to judge', () => {
  // Guards the regex: if it stopped matching, both tests above would pass on nothing.
  assert.ok(graph.get('harness/run.ts')?.includes('harness/core/record.ts'), 'harness/run.ts → harness/core/record.ts is read');
  assert.ok(graph.get('harness/targets.ts')?.some((target) => target.startsWith('targets/node/')), 'dynamic import() is read');
  assert.ok(files.length > 80, `found ${files.length} source files`);
});
