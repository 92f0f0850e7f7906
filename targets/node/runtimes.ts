/**
 * Every runtime the Node target knows. A runtime module (this one, or one a
 * test injects through `createNodeTarget({ runtimeModules })`) exports
 * `runtimes: NodeRuntime[]`; the job's worker process imports the same
 * modules, so what is injected runs in the worker too.
 */
import type { NodeRuntime, ProbeContext, RuntimeProbe } from './runtime-types.ts';
import { tfjsRuntimes } from './tfjs.ts';
import { webgpuRuntime } from './webgpu.ts';

/**
 * A runtime whose module is imported on first use. A module that does not
 * exist yet makes the runtime unavailable with "not built yet"; one that
 * fails to import, unavailable with its loader's message.
 */
export function lazyRuntime(name: string, format: NodeRuntime['format'], importer: () => Promise<NodeRuntime>): NodeRuntime {
  let loaded: NodeRuntime | undefined;
  const load = async () => (loaded ??= await importer());
  return {
    name,
    format,
    async probe(context?: ProbeContext): Promise<RuntimeProbe> {
      try {
        return await (await load()).probe(context);
      } catch (error) {
        const code = (error as { code?: string })?.code;
        if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return { available: false, reason: `not built yet (${(error as Error).message.split('\n')[0]})` };
        return { available: false, reason: `failed to load: ${(error as Error)?.message ?? String(error)}` };
      }
    },
    open: async (options) => (await load()).open(options),
    keyOptions: (options) => loaded?.keyOptions?.(options) ?? {},
  };
}

// Imported on first use (tfjs-tflite-node loads a native library). A literal specifier, so the
// worker's bundle (./worker-bundle.ts) holds it as a chunk of its own, loaded as lazily.
export const tfliteNodeRuntime = lazyRuntime('tflite-node', 'tflite', async () => {
  const module = (await import('./tflite.ts')) as { tfliteNodeRuntime?: NodeRuntime };
  if (!module.tfliteNodeRuntime) throw new Error('./tflite.ts does not export tfliteNodeRuntime');
  return module.tfliteNodeRuntime;
});

/** In the order `bench devices` lists them: libtensorflow (CPU, CUDA), Dawn, then wasm and cpu. */
const libtensorflow = tfjsRuntimes.filter((runtime) => runtime.name.startsWith('tfjs-tensorflow'));
const portable = tfjsRuntimes.filter((runtime) => !libtensorflow.includes(runtime));

export const runtimes: NodeRuntime[] = [...libtensorflow, webgpuRuntime, ...portable, tfliteNodeRuntime];

/** This module's URL: the default runtime module of the Node target. */
export const DEFAULT_RUNTIME_MODULE = import.meta.url;

/** Imports runtime modules and returns their runtimes; a later module's runtime replaces an earlier one of the same name. */
export async function loadRuntimes(modules: readonly string[]): Promise<NodeRuntime[]> {
  const byName = new Map<string, NodeRuntime>();
  for (const specifier of modules) {
    // This module is not imported again: the worker's bundle (./worker-bundle.ts) holds it but could not import its .ts.
    const module = specifier === DEFAULT_RUNTIME_MODULE ? { runtimes } : ((await import(specifier)) as { runtimes?: NodeRuntime[] });
    if (!Array.isArray(module.runtimes)) throw new Error(`runtime module ${specifier} does not export "runtimes" (an array of NodeRuntime)`);
    for (const runtime of module.runtimes) byName.set(runtime.name, runtime);
  }
  return [...byName.values()];
}
