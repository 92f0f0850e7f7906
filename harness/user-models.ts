/**
 * The user's own models (path entries of `models`, `--model ./my/model.json`)
 * brought into the out folder as model ids before a run plans anything.
 */
import { resolve } from 'node:path';
import { modelIds, userModels, type ResolvedConfig } from './core/config.ts';
import { UserError } from './core/errors.ts';
import { firstLine } from './core/format.ts';
import type { Logger } from './core/log.ts';

/**
 * Copies each of the user's own models (path entries of `models`) into the
 * out folder as a model id, with an evaluation pack from dataset.images
 * (`--images`) when given. One that cannot be read is a warning naming it;
 * the others still run. Returns the ids imported.
 */
export async function importUserModels(config: ResolvedConfig, out: string, log: Logger, cwd: string): Promise<string[]> {
  const entries = userModels(config);
  if (entries.length === 0) return [];
  const { importUserModel } = await import('../models/user-model.ts');
  const ids: string[] = [];
  for (const entry of entries) {
    try {
      const labels = typeof entry.labels === 'string' ? resolve(cwd, entry.labels) : entry.labels;
      const spec = { ...entry, path: resolve(cwd, entry.path), ...(labels ? { labels } : {}) };
      const imported = await importUserModel(spec, { out, log, ...(config.dataset.images ? { images: resolve(cwd, config.dataset.images) } : {}) });
      ids.push(imported.id);
    } catch (error) {
      // A model is untrusted input: whatever it breaks (ours or a library's error), only its own jobs are lost.
      if (!(error instanceof UserError)) log.debug(`${entry.path}: ${(error as Error)?.stack ?? String(error)}`);
      log.warn(`${entry.path}: skipped, ${error instanceof UserError ? '' : `${(error as Error)?.name ?? 'Error'}: `}${firstLine(error)}`);
    }
  }
  if (ids.length === 0 && modelIds(config).length === 0) {
    throw new UserError(`nothing to benchmark: ${entries.length === 1 ? 'the model given could not be imported' : `none of the ${entries.length} models given could be imported`} (see the warning${entries.length === 1 ? '' : 's'} above)`, 'NO_MODEL_IMPORTED');
  }
  return ids;
}
