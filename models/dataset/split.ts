/**
 * retrain.py's stable train/validation/test split: a file's split depends only
 * on its own name (hashed), so adding files to a folder never moves existing
 * ones between splits, and the same photos split the same way as they did in
 * the codelab.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';

export type Split = 'train' | 'validation' | 'test';

export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

/** retrain.py's MAX_NUM_IMAGES_PER_CLASS (2^27 - 1). */
const MAX_NUM_IMAGES_PER_CLASS = 2n ** 27n - 1n;

/**
 * Which split a file belongs to, bit for bit as retrain.py's `which_set`:
 * everything from the first `_nohash_` on is ignored (so `a_nohash_1.jpg` and
 * `a_nohash_2.jpg` stay together), the rest is hashed with SHA-1, and the hash
 * modulo 2^27 scaled to a percentage picks the split. Takes a base name or a
 * path (only the base name counts).
 */
export function splitOf(fileName: string, validationPercent: number, testPercent: number): Split {
  const hashName = basename(fileName).replace(/_nohash_.*$/, '');
  const digest = createHash('sha1').update(hashName, 'utf8').digest('hex');
  const bucket = BigInt(`0x${digest}`) % (MAX_NUM_IMAGES_PER_CLASS + 1n);
  // Same float operations as Python: (int) * (100.0 / MAX); the bucket is < 2^27, exact as a double.
  const percentage = Number(bucket) * (100 / Number(MAX_NUM_IMAGES_PER_CLASS));
  if (percentage < validationPercent) return 'validation';
  if (percentage < testPercent + validationPercent) return 'test';
  return 'train';
}
