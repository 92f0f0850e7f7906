/**
 * The README stays a front door (at most 15 KB; the reference lives in docs/)
 * and no link in it or in docs/ points at a file that is not there: a page
 * moved or renamed fails here, naming the link.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => join('docs', file))];

test('README.md is at most 15 KB', () => {
  const bytes = statSync(join(ROOT, 'README.md')).size;
  assert.ok(bytes <= 15 * 1024, `README.md is ${bytes} bytes: move reference to docs/`);
});

test('every relative link in README.md and docs/ names a file that exists', () => {
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(ROOT, page), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      if (!existsSync(resolve(ROOT, dirname(page), target!))) broken.push(`${page}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});
