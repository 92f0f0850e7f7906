/**
 * The order of the retrained models, smallest first: the order `bench all`
 * works through them, and which one an extra browser engine measures by
 * default (./plan.ts). Its own module so that the plan and the stream both
 * read it without importing each other.
 */
import type { ResolvedConfig } from './core/config.ts';
import { resolveBackbone } from '../models/zoo.ts';

/**
 * The retrained models in the order `bench all` works through them: fewest
 * input pixels first (the one size every backbone declares before it is
 * loaded; MobileNetV2's 224 px before InceptionV3's 299 px), the config's
 * order among equals. A backbone's FLOPs would rank better: this is the
 * place to use them.
 */
export function smallestFirst(ids: readonly string[], config: Pick<ResolvedConfig, 'backbones'>): string[] {
  const pixels = (id: string): number => {
    try {
      return resolveBackbone(id, config).inputSize ** 2;
    } catch {
      // Unknown: retraining says why, in its turn, last.
      return Number.POSITIVE_INFINITY;
    }
  };
  return ids.map((id, index) => ({ id, index, size: pixels(id) })).sort((a, b) => a.size - b.size || a.index - b.index).map((entry) => entry.id);
}
