/**
 * Decoding image files to a model's input size: RGB bytes of the right size,
 * squashed (not cropped), any input format; a corrupt file is an
 * ImageDecodeError naming it; distortions as retrain.py made them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { decodeImage, ImageDecodeError } from '../../models/dataset/index.ts';
import { seededRandom } from '../../models/random.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgebench-decode-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A 60×30 image: left half red, right half blue. */
async function halves(file: string, format: 'jpeg' | 'png'): Promise<string> {
  const path = join(dir, file);
  const image = sharp({ create: { width: 60, height: 30, channels: 3, background: '#ff0000' } }).composite([
    { input: { create: { width: 30, height: 30, channels: 3, background: '#0000ff' } }, left: 30, top: 0 },
  ]);
  await (format === 'jpeg' ? image.jpeg({ quality: 95 }) : image.png()).toFile(path);
  return path;
}

const pixel = (image: Uint8Array, size: number, x: number, y: number) => Array.from(image.subarray((y * size + x) * 3, (y * size + x) * 3 + 3));

test('decodes to size × size × 3 RGB bytes, squashing the whole picture into the square', async () => {
  for (const [file, format] of [['halves.jpg', 'jpeg'], ['halves.png', 'png']] as const) {
    const image = await decodeImage(await halves(file, format), 32);
    assert.ok(image instanceof Uint8Array);
    assert.equal(image.length, 32 * 32 * 3, file);
    // Squashed, not centre-cropped: both halves keep half the width.
    const [r1, , b1] = pixel(image, 32, 4, 16);
    const [r2, , b2] = pixel(image, 32, 27, 16);
    assert.ok(r1! > 200 && b1! < 60, `${file}: left is red, got ${pixel(image, 32, 4, 16)}`);
    assert.ok(b2! > 200 && r2! < 60, `${file}: right is blue, got ${pixel(image, 32, 27, 16)}`);
  }
});

test('greyscale and alpha inputs come out as 3-channel RGB', async () => {
  const grey = join(dir, 'grey.png');
  await sharp({ create: { width: 20, height: 20, channels: 3, background: '#808080' } }).greyscale().png().toFile(grey);
  const rgba = join(dir, 'rgba.png');
  await sharp({ create: { width: 20, height: 20, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 0.5 } } }).png().toFile(rgba);
  const greyImage = await decodeImage(grey, 10);
  assert.equal(greyImage.length, 10 * 10 * 3);
  assert.deepEqual(pixel(greyImage, 10, 5, 5), [128, 128, 128]);
  const rgbaImage = await decodeImage(rgba, 10);
  assert.equal(rgbaImage.length, 10 * 10 * 3);
  assert.deepEqual(pixel(rgbaImage, 10, 5, 5), [0, 255, 0]);
});

test('a corrupt JPEG throws ImageDecodeError naming the file', async () => {
  const good = await readFile(await halves('good.jpg', 'jpeg'));
  const truncated = join(dir, 'truncated.jpg');
  await writeFile(truncated, good.subarray(0, Math.floor(good.length / 2)));
  const garbage = join(dir, 'garbage.JPG');
  await writeFile(garbage, 'this is a text file named like a photo');
  for (const path of [truncated, garbage, join(dir, 'missing.jpg')]) {
    await assert.rejects(decodeImage(path, 16), (error: unknown) => {
      assert.ok(error instanceof ImageDecodeError, `${path}: expected ImageDecodeError, got ${String(error)}`);
      assert.equal(error.path, path);
      assert.ok(error.message.includes(path));
      return true;
    });
  }
});

test('distortions: same size, reproducible from the random source, and they change the pixels', async () => {
  const path = await halves('distort.jpg', 'jpeg');
  const distortions = { flipLeftRight: true, randomCrop: 20, randomScale: 30, randomBrightness: 30 };
  const plain = await decodeImage(path, 24);
  const first = await decodeImage(path, 24, { distortions, random: seededRandom('a').next });
  const again = await decodeImage(path, 24, { distortions, random: seededRandom('a').next });
  assert.equal(first.length, 24 * 24 * 3);
  assert.deepEqual(first, again);
  const variants = await Promise.all(['b', 'c', 'd', 'e'].map((key) => decodeImage(path, 24, { distortions, random: seededRandom(key).next })));
  assert.ok([first, ...variants].some((image) => Buffer.compare(Buffer.from(image), Buffer.from(plain)) !== 0));
});

test('a flip with no other distortion mirrors the image', async () => {
  const path = await halves('flip.png', 'png');
  const flipped = await decodeImage(path, 20, { distortions: { flipLeftRight: true, randomCrop: 0, randomScale: 0, randomBrightness: 0 }, random: () => 0.25 });
  const [r, , b] = pixel(flipped, 20, 2, 10);
  assert.ok(b! > 200 && r! < 60, `left is blue after the flip, got ${pixel(flipped, 20, 2, 10)}`);
});
