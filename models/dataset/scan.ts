/**
 * Reads a class-per-folder image tree (`<root>/<class>/<image>`), the layout
 * retrain.py took: one class per sub-folder, labelled from the folder name,
 * each image assigned to a split by its file name. Only the folder listing is
 * read here; corrupt images surface when they are decoded (decode.ts).
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../../harness/core/errors.ts';
import type { Logger } from '../../harness/core/log.ts';
import { compareCodePoints, labelFromFolder } from './labels.ts';
import { splitOf, type Split } from './split.ts';

export interface ImageEntry {
  /** Absolute path. */
  path: string;
  /** `<class folder>/<file>`, with `/` separators. */
  relPath: string;
  /** Index into Dataset.classNames. */
  classIndex: number;
  label: string;
  split: Split;
}

export interface Dataset {
  /** Absolute root folder. */
  root: string;
  /** Labels in retrain.py's order (its sorted folder names). */
  classNames: string[];
  /** Every image, by class then file name. */
  images: ImageEntry[];
  /** Images per label and split. */
  counts: Record<string, Record<Split, number>>;
  /** The warnings that were logged, for metadata and reports. */
  warnings: string[];
}

export interface ScanOptions {
  root: string;
  /** Percent of each class held out for validation (retrain.py's --validation_percentage). */
  validationPercent: number;
  /** Percent of each class held out for the final test (retrain.py's --testing_percentage). */
  testPercent: number;
  /** Classes with fewer images get a warning (retrain.py warned under 20). */
  minImagesPerClass: number;
  log: Logger;
}

/** jpg, jpeg or png, in any letter case. */
const IMAGE_EXTENSION = /\.(jpe?g|png)$/i;

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSION.test(name);
}

export async function scanDataset(options: ScanOptions): Promise<Dataset> {
  const { log } = options;
  const root = resolve(options.root);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    log.warn(message);
  };

  const folders = await classFolders(root);
  const classes: { folder: string; label: string; files: string[] }[] = [];
  for (const folder of folders) {
    const files = await imageFiles(join(root, folder), folder, log, warn);
    if (files.length === 0) {
      warn(`class folder ${join(root, folder)} has no .jpg/.jpeg/.png images; class left out`);
      continue;
    }
    const label = labelFromFolder(folder);
    const clash = classes.find((entry) => entry.label === label);
    if (clash) {
      warn(`class folders "${clash.folder}" and "${folder}" in ${root} both make the label "${label}"; "${folder}" left out (rename one of them)`);
      continue;
    }
    classes.push({ folder, label, files });
  }

  if (classes.length === 0) {
    throw new UserError(`no images found in ${root}: expected one sub-folder per class holding .jpg, .jpeg or .png files`, 'DATASET_EMPTY');
  }
  if (classes.length < 2) {
    throw new UserError(
      `only one class (${classes[0]!.folder}) has images in ${root}: a classifier needs at least 2 class folders with images`,
      'DATASET_ONE_CLASS',
    );
  }

  const images: ImageEntry[] = [];
  const counts: Record<string, Record<Split, number>> = {};
  classes.forEach(({ folder, label, files }, classIndex) => {
    const count: Record<Split, number> = { train: 0, validation: 0, test: 0 };
    for (const file of files) {
      const split = splitOf(file, options.validationPercent, options.testPercent);
      count[split] += 1;
      images.push({ path: join(root, folder, file), relPath: `${folder}/${file}`, classIndex, label, split });
    }
    counts[label] = count;
    if (files.length < options.minImagesPerClass) {
      warn(`class "${label}" (${join(root, folder)}) has only ${files.length} images; at least ${options.minImagesPerClass} are recommended`);
    }
    if (count.train === 0) warn(`class "${label}" (${join(root, folder)}) has no training images after the split; add images to it`);
  });

  log.debug(`dataset ${root}: ${classes.length} classes, ${images.length} images`);
  return { root, classNames: classes.map((entry) => entry.label), images, counts, warnings };
}

/** Visible sub-folders of the root, in Python's sorted() order. */
async function classFolders(root: string): Promise<string[]> {
  let entries;
  try {
    const info = await stat(root);
    if (!info.isDirectory()) throw new UserError(`images folder ${root} is not a folder: point --images at a folder with one sub-folder per class`, 'DATASET_NOT_A_FOLDER');
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`images folder not found: ${root} (check --images or dataset.images)`, 'DATASET_NOT_FOUND');
    throw new UserError(`cannot read images folder ${root}: ${(error as Error).message}`, 'DATASET_UNREADABLE');
  }
  const folders: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory() || (entry.isSymbolicLink() && (await isFolder(join(root, entry.name))))) folders.push(entry.name);
  }
  return folders.sort(compareCodePoints);
}

/**
 * Image files directly inside one class folder, sorted. Any other file is
 * skipped with a warning naming it (it may be a photo in a format we do not
 * read); hidden files silently; nested folders with a debug line.
 */
async function imageFiles(dir: string, folder: string, log: Logger, warn: (message: string) => void): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const isFile = entry.isFile() || (entry.isSymbolicLink() && !(await isFolder(join(dir, entry.name))));
    if (isFile && isImageFile(entry.name)) files.push(entry.name);
    else if (isFile) warn(`skipping ${join(dir, entry.name)}: not a .jpg/.jpeg/.png file`);
    else log.debug(`skipping ${folder}/${entry.name}: a folder inside a class folder`);
  }
  return files.sort(compareCodePoints);
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
