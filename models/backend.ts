/**
 * Picks the fastest TF.js backend installed for host-side work (bottlenecks,
 * training): `tensorflow` from @tensorflow/tfjs-node when it installed, else
 * `wasm`. Benchmarks choose their runtimes themselves (targets/node).
 */
import * as tf from '@tensorflow/tfjs';

export async function useFastestBackend(): Promise<string> {
  // No per-op debug checks (nor TF.js's "install tfjs-node" console banner) on host-side work.
  tf.enableProdMode();
  try {
    // An optional dependency: absent where its libtensorflow download failed.
    await import('@tensorflow/tfjs-node' as string);
    if (await tf.setBackend('tensorflow')) return 'tensorflow';
  } catch {
    // fall through to wasm
  }
  await import('@tensorflow/tfjs-backend-wasm');
  if (await tf.setBackend('wasm')) return 'wasm';
  await tf.setBackend('cpu');
  return 'cpu';
}
