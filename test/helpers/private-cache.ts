/**
 * A fresh private cache folder (`XDG_CACHE_HOME`) for `bench` processes that
 * must not share the user's: the Android run ledgers live there, and a test
 * reads only its own. Seeded with the runtime download sizes the user's
 * cache already keeps (targets/page/sizes-cache.ts; each entry still checked
 * against the files it was measured from): in an empty folder every `bench
 * run` of a page runtime bundled that runtime with esbuild again to measure
 * it, ~1 CPU s a process, which these tests do not look at.
 */
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { privateCacheDir } from '../../harness/core/private-dir.ts';
import { tempDir } from './tmp.ts';

export async function privateCacheHome(prefix: string): Promise<string> {
  const home = await tempDir(prefix);
  const kept = privateCacheDir('runtime-sizes');
  if ('dir' in kept) {
    await mkdir(join(home, 'edgebench'), { mode: 0o700 });
    await cp(kept.dir, join(home, 'edgebench', 'runtime-sizes'), { recursive: true });
  }
  return home;
}
