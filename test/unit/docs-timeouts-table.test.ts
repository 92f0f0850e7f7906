/**
 * docs/timeouts.md lists every `timeouts` key with its default: a key added,
 * removed or given another default in harness/core/config.ts fails here, so
 * the reference a user tunes a slow phone with stays true.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_TIMEOUTS } from '../../harness/core/config.ts';

const doc = readFileSync(new URL('../../docs/timeouts.md', import.meta.url), 'utf8');

test('docs/timeouts.md has one row per timeouts key, with its default', () => {
  const documented = new Map([...doc.matchAll(/^\| `timeouts\.(\w+\.\w+)` \| (\d+) /gm)].map((match) => [match[1]!, Number(match[2])]));
  const actual = new Map(Object.entries(DEFAULT_TIMEOUTS).flatMap(([group, keys]) => Object.entries(keys).map(([key, value]) => [`${group}.${key}`, value as number])));
  assert.deepEqual(documented, actual);
});
