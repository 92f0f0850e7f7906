/**
 * A zip entry packed in a model is inflated only up to its declared size,
 * which must be under the caller's cap: a deflate bomb declaring its real
 * size is refused before a byte is inflated, one declaring less is stopped
 * one byte past it, and output that does not match the declaration is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { readZipEntry, ZipFormatError } from '../../models/zip-entry.ts';
import { storedZip } from '../fixtures/tflite-support-metadata.ts';
import { deflatedZeros, deflatedZip } from '../fixtures/deflate-bomb.ts';

const MiB = 1024 * 1024;
const text = new TextEncoder().encode('cat\ndog\nbird\n');

function refused(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ZipFormatError, `a ZipFormatError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

test('honest stored and deflated entries read back', () => {
  const read = (zip: Uint8Array) => new TextDecoder().decode(readZipEntry(zip, 'labels.txt', MiB));
  assert.equal(read(storedZip({ 'labels.txt': text })), 'cat\ndog\nbird\n');
  assert.equal(read(deflatedZip('labels.txt', deflateRawSync(text), text.length)), 'cat\ndog\nbird\n');
  assert.equal(readZipEntry(storedZip({ 'labels.txt': text }), 'other.txt', MiB), undefined);
});

test('a declared size over the cap is refused before inflating, naming both', async () => {
  const bomb = await deflatedZeros(400);
  assert.ok(bomb.length < 500_000, `the bomb is small: ${bomb.length} bytes`);
  refused(() => readZipEntry(deflatedZip('labels.txt', bomb, 400 * MiB), 'labels.txt', 16 * MiB), /declares 419430400 bytes \(400 MiB\), over the 16 MiB read for it/);
});

test('an entry inflating past the size it declares is stopped there and refused', async () => {
  const bomb = await deflatedZeros(400);
  const before = process.memoryUsage().rss;
  refused(() => readZipEntry(deflatedZip('labels.txt', bomb, 1000), 'labels.txt', 16 * MiB), /inflates to more than the 1000 bytes it declares/);
  assert.ok(process.memoryUsage().rss - before < 100 * MiB, 'the 400 MiB were never inflated');
});

test('output shorter than declared, a stored entry of the wrong length, and broken deflate data are refused', () => {
  refused(() => readZipEntry(deflatedZip('labels.txt', deflateRawSync(text), text.length + 5), 'labels.txt', MiB), /holds 13 bytes, but declares 18/);
  const stored = Buffer.from(storedZip({ 'labels.txt': text }));
  // The central directory's uncompressed size (offset 24 of the entry) made larger than the data.
  const central = stored.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  stored.writeUInt32LE(text.length + 1, central + 24);
  refused(() => readZipEntry(stored, 'labels.txt', MiB), /holds 13 bytes, but declares 14/);
  refused(() => readZipEntry(deflatedZip('labels.txt', Buffer.from('not deflate data at all, honestly'), 10), 'labels.txt', MiB), /cannot be inflated/);
});
