/**
 * mobilenet_v2 as the fast feature engine runs it: the backbone's float32
 * .tflite that models/backbone-tflite.ts keeps in an out folder's cache,
 * converted once per tier in the build cache (./build-cache.ts) and copied
 * into a test's out folder, where a retrain reads it as it would after a
 * user's first retrain.
 *
 * Converting MobileNetV2 is seconds of CPU (README's first run: 12 s), and
 * retrain-mobilenet and bottlenecks-fast-engine each converted it (the
 * latter three times). The converter on that backbone is checked where this
 * file is built, through the product's own function, and by
 * bottlenecks-fast-engine's agreement test, which runs the file.
 */
import { cached, copyCached } from './build-cache.ts';

const BACKBONE = 'mobilenet_v2';

/** Puts the kept mobilenet_v2 backbone file into `out`'s cache (out/cache/backbone-tflite/mobilenet_v2/). */
export async function keepMobilenetBackboneTflite(out: string): Promise<void> {
  const dir = await cached('backbone-tflite', { backbone: BACKBONE }, async (building) => {
    const { loadBackbone, resolveBackbone } = await import('../../models/zoo.ts');
    const { backboneTflite } = await import('../../models/backbone-tflite.ts');
    const { useFastestBackend } = await import('../../models/backend.ts');
    // As a retrain does before it: the backbone is built on a ready backend (a file that imported wasm without awaiting it has none yet).
    await useFastestBackend();
    const backbone = await loadBackbone(resolveBackbone(BACKBONE));
    try {
      await backboneTflite(backbone, { out: building });
    } finally {
      backbone.features.dispose();
    }
  });
  await copyCached(dir, out);
}
