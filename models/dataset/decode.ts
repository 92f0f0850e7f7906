/**
 * Image file → square RGB bytes at a model's input size. Squashed to the
 * square (no aspect-preserving crop) with a bilinear filter, as retrain.py
 * resized its decoded JPEGs; optional random distortions as retrain.py's
 * `add_input_distortions` made them (crop, scale, flip, brightness).
 */
import sharp from 'sharp';

/** A file that could not be read or decoded as an image. Callers skip it with a warning. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`cannot decode image ${path}: ${reason}`);
  }
}

/** retrain.py's distortion flags (percentages, as its --random_crop / --random_scale / --random_brightness). */
export interface Distortions {
  flipLeftRight: boolean;
  /** Extra margin (percent) cropped away at random. */
  randomCrop: number;
  /** Random enlargement (percent, uniform from 0) before the crop. */
  randomScale: number;
  /** Brightness multiplied by a uniform factor in 1 ± this percent. */
  randomBrightness: number;
}

export interface DecodeOptions {
  distortions?: Distortions;
  /** Uniform [0, 1) source for distortions; Math.random by default. */
  random?: () => number;
}

/**
 * Decodes `path` to `size`×`size`×3 RGB bytes (row-major, channels last).
 * EXIF orientation is applied, alpha is dropped, greyscale and CMYK become RGB.
 * Throws ImageDecodeError (with `.path`) for a missing, unreadable or corrupt file.
 */
export async function decodeImage(path: string, size: number, options: DecodeOptions = {}): Promise<Uint8Array> {
  const { distortions } = options;
  const random = options.random ?? Math.random;
  const distorted = distortions !== undefined && isDistorting(distortions);
  // retrain.py: precrop = input size × (1 + crop%) × uniform(1, 1 + scale%), truncated to int.
  const scale = distorted ? (1 + distortions.randomCrop / 100) * uniform(random, 1, 1 + distortions.randomScale / 100) : 1;
  const precrop = Math.max(size, Math.trunc(size * scale));
  let pixels: Buffer;
  try {
    pixels = await sharp(path)
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .resize(precrop, precrop, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
  } catch (error) {
    throw new ImageDecodeError(path, (error as Error).message);
  }
  if (pixels.length !== precrop * precrop * 3) throw new ImageDecodeError(path, `decoded to ${pixels.length} bytes, expected ${precrop}×${precrop}×3`);
  const image = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  return distorted ? distort(image, precrop, size, distortions, random) : image;
}

function isDistorting(d: Distortions): boolean {
  return d.flipLeftRight || d.randomCrop !== 0 || d.randomScale !== 0 || d.randomBrightness !== 0;
}

function uniform(random: () => number, min: number, max: number): number {
  return min + (max - min) * random();
}

/** Random crop of `size` from a `from`×`from` image, then random flip and brightness (retrain.py's order). */
function distort(image: Uint8Array, from: number, size: number, d: Distortions, random: () => number): Uint8Array {
  const left = Math.floor(random() * (from - size + 1));
  const top = Math.floor(random() * (from - size + 1));
  const flip = d.flipLeftRight && random() < 0.5;
  const brightness = uniform(random, 1 - d.randomBrightness / 100, 1 + d.randomBrightness / 100);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const source = ((top + y) * from + left + (flip ? size - 1 - x : x)) * 3;
      const target = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) out[target + c] = Math.min(255, Math.round(image[source + c]! * brightness));
    }
  }
  return out;
}
