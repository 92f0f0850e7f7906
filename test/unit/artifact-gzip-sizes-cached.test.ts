/**
 * Artifact gzip sizes are worked out once per file content and kept in the
 * out folder: a warm run does not gzip InceptionV3's 90 MB again. A file whose
 * bytes change gets a new entry (the key is its sha256).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { describeFiles, loadGzipSizes, saveGzipSizes } from '../../harness/artifacts.ts';

test('gzip sizes: computed on a miss, read from the cache on a hit, kept across runs in the out folder', async () => {
  const out = await mkdtemp(join(tmpdir(), 'edgebench-gzip-'));
  try {
    const file = join(out, 'model.bin');
    const data = Buffer.from('edgebench '.repeat(5000));
    await writeFile(file, data);
    const sha = createHash('sha256').update(data).digest('hex');

    const sizes = await loadGzipSizes(out);
    assert.equal(sizes.size, 0, 'no cache yet');
    const first = await describeFiles([file], sizes);
    assert.equal(first.gzipBytes, gzipSync(data).byteLength);
    assert.equal(sizes.get(sha), first.gzipBytes);
    await saveGzipSizes(out, sizes);

    // A planted size proves the cached figure is used instead of gzipping again.
    const reloaded = await loadGzipSizes(out);
    assert.equal(reloaded.get(sha), first.gzipBytes);
    reloaded.set(sha, 42);
    assert.equal((await describeFiles([file], reloaded)).gzipBytes, 42);

    await writeFile(file, Buffer.concat([data, Buffer.from('changed')]));
    const changed = await describeFiles([file], reloaded);
    assert.notEqual(changed.gzipBytes, 42, 'new bytes, new entry');
    assert.equal(reloaded.size, 2);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
