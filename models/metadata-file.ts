/**
 * The files that describe a model, read from beside it: metadata.json and
 * labels.txt. They come with a downloaded model, so each is read only when
 * it really lies in the model's folder (a symbolic link out of it is
 * refused), only up to a bound, and metadata.json is checked field by field
 * (harness/core/metadata.ts) before any value is used.
 */
import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { assertRealPathInside } from '../harness/core/contained-path.ts';
import { UserError } from '../harness/core/errors.ts';
import { readBounded } from './bounded-read.ts';
import { MAX_CLASSES, MAX_CLASS_NAME, MAX_METADATA_BYTES, parseMetadataFile, type MetadataFile } from '../harness/core/metadata.ts';

async function boundedText(path: string, code: string): Promise<string> {
  return (await readBounded(path, MAX_METADATA_BYTES, code)).toString('utf8');
}

/** True when `path` exists (a dangling link counts: it is then refused, not ignored). */
export async function present(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * metadata.json at `path`, checked; `folder` is the folder it must really
 * lie in (the model's, or for the out folder's layout, the model's parent).
 */
export async function readMetadataFile(path: string, folder = dirname(path)): Promise<MetadataFile> {
  await assertRealPathInside(folder, path, path, "the model's folder");
  return parseMetadataFile(await boundedText(path, 'MODEL_METADATA_INVALID'), path);
}

/** Class names from a file with one per line (blank lines skipped), bounded like metadata.json. */
export async function readLabelsFile(path: string, folder?: string): Promise<string[]> {
  if (folder) await assertRealPathInside(folder, path, path, "the model's folder");
  const names = (await boundedText(path, 'MODEL_LABELS_UNREADABLE'))
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  if (names.length > MAX_CLASSES) throw new UserError(`${path}: ${names.length} class names, over the ${MAX_CLASSES} this harness reads`, 'MODEL_LABELS_UNREADABLE');
  const long = names.findIndex((name) => name.length > MAX_CLASS_NAME);
  if (long >= 0) throw new UserError(`${path}: class name ${long + 1} is over ${MAX_CLASS_NAME} characters; one class name per line`, 'MODEL_LABELS_UNREADABLE');
  return names;
}
