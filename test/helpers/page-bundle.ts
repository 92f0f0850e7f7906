/**
 * The benchmark page's bundle (targets/page/bundle.ts), built once per tier
 * in the build cache and linked into a test's out folder: every browser and
 * phone test starts from a fresh out folder, where the harness would run
 * esbuild over TF.js and LiteRT.js again (4-8 s each on this project's
 * machines). The linked bundle is the one the harness would build: its
 * manifest names the same source files, so the harness finds it up to date
 * (and rebuilds it, as for a user, if a source file changed since).
 *
 * Hard links, not copies: the harness replaces bundle files by renaming new
 * ones over them, never by writing into them, so the cached files never change.
 */
import { copyFile, link, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildPageBundle, pageBundleDir } from '../../targets/page/bundle.ts';
import { cached } from './build-cache.ts';
import { tempDir } from './tmp.ts';

/** Links the tier's page bundle into `<out>/cache/browser-page`, building it the first time. */
export async function seedPageBundle(out: string): Promise<void> {
  const built = pageBundleDir(await cached('page-bundle', {}, async (dir) => void (await buildPageBundle(dir))));
  const target = pageBundleDir(out);
  await mkdir(target, { recursive: true });
  for (const name of await readdir(built)) await linkOrCopy(join(built, name), join(target, name));
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    // Another file system (a TMPDIR elsewhere): a copy does as well.
    if (code === 'EXDEV') await copyFile(from, to);
    else throw error;
  }
}

/** A fresh out folder (tmp.ts's tempDir) with the page bundle already in its cache. */
export async function pageOut(prefix: string): Promise<string> {
  const out = await tempDir(prefix);
  await seedPageBundle(out);
  return out;
}
