/**
 * Runtime download sizes (./sizes.ts) kept between runs: measuring one bundles
 * the runtime with esbuild and gzips its wasm at level 9, seconds per runtime
 * that every `bench run` with a browser or a phone paid again for the same
 * numbers. Kept like the page bundle (./bundle.ts): an entry holds the size
 * and modification time of every file the measurement read, and is served
 * only while each is unchanged, so an upgraded runtime is measured again.
 *
 * Entries live in the user's private cache folder
 * (harness/core/private-dir.ts), not in an out folder: the sizes belong to
 * the installed runtimes, not to a run. An entry that does not parse, or no
 * private folder at all, means measuring, never an error.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { fileStampsSchema, keepEntry, readKeptEntry, stampFiles, stampsCurrent } from '../../harness/core/kept-entry.ts';
import { privateCacheDir } from '../../harness/core/private-dir.ts';
import type { RuntimeSize } from '../../harness/core/record.ts';

/** A measurement and the files it read (absolute paths). */
export interface MeasuredSize {
  size: RuntimeSize;
  inputs: string[];
}

const fileSchema = z.strictObject({ path: z.string().max(1000), bytes: z.number().int().nonnegative(), gzipBytes: z.number().int().nonnegative() });
const entrySchema = z.strictObject({
  size: z.strictObject({ runtime: z.string().max(100), files: z.array(fileSchema).max(100), bytes: z.number().int().nonnegative(), gzipBytes: z.number().int().nonnegative() }),
  inputs: fileStampsSchema,
});
type Entry = z.infer<typeof entrySchema>;

/** Entries past this are not read (a few hundred inputs make a few tens of kB). */
const MAX_ENTRY_BYTES = 4 * 2 ** 20;

/**
 * The size `measure` would give, from the cache while every file it read last
 * time is unchanged. `key` names everything else the measurement depends on
 * (runtime, entry source, gzip level, esbuild version).
 */
export async function cachedRuntimeSize(key: unknown, measure: () => Promise<MeasuredSize>, env: NodeJS.ProcessEnv = process.env): Promise<RuntimeSize> {
  const folder = privateCacheDir('runtime-sizes', env);
  if (!('dir' in folder)) return (await measure()).size;
  const path = join(folder.dir, `${createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 32)}.json`);
  const kept = readKeptEntry(path, entrySchema, MAX_ENTRY_BYTES);
  if (kept && (await stampsCurrent(kept.inputs))) return kept.size;
  const measured = await measure();
  keepEntry(path, { size: measured.size, inputs: await stampFiles(measured.inputs) } satisfies Entry);
  return measured.size;
}
