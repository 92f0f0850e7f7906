/**
 * `tfjs-webgpu`: TF.js's webgpu backend in Node, on Dawn (the `webgpu` npm
 * package). This is the route from Node to a GPU on current drivers: Dawn
 * speaks Vulkan (Linux), Metal (macOS) or D3D12 (Windows), with no CUDA
 * version to match (contrast `tfjs-tensorflow-gpu`, ./cuda.ts).
 *
 * The probe asks Dawn for its adapter in a child process (./webgpu-query.ts);
 * on a GPU-less Linux host with Chromium installed it asks again with
 * Chromium's SwiftShader as the Vulkan driver (./dawn-env.ts), and the jobs
 * then start their worker with that environment. A software adapter is
 * reported as such, so the plan leaves it out unless it is named.
 *
 * A job installs `navigator.gpu` and Dawn's GPU* globals before importing
 * `@tensorflow/tfjs-backend-webgpu` (it registers itself only where
 * navigator.gpu exists), reads outputs with `await data()` (its dataSync
 * needs an OffscreenCanvas) and watches the device: a device lost or a
 * WebGPU error fails the inference it happens in, so the job fails in that
 * phase instead of hanging. Disposing releases the device and the globals:
 * Dawn keeps Node alive while its instance is referenced.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DEFAULT_TIMEOUTS } from '../../harness/core/config.ts';
import { adapterFacts, identifyBackend, loadDawn, POWER_PREFERENCE, WEBGPU_PACKAGE, type DawnDevice, type DawnGpu } from './dawn.ts';
import { namedDriverProblem, swiftShaderFallback } from './dawn-env.ts';
import type { DeviceFacts, NodeRuntime, NodeSession, OpenOptions, ProbeContext, RuntimeProbe } from './runtime-types.ts';
import { loadCheckedModel, tfjsSession } from './tfjs.ts';
import { adapterName, describeAdapter, softwareAdapter, type AdapterFacts } from './webgpu-adapter.ts';
import { queryAdapter } from './webgpu-query.ts';

export const WEBGPU_RUNTIME = 'tfjs-webgpu';
const NOT_INSTALLED = `not installed: ${WEBGPU_PACKAGE} (Dawn for Node, prebuilt for Linux, macOS and Windows) is an optional dependency that did not install here; npm install ${WEBGPU_PACKAGE}@0.6.2`;

const require = createRequire(import.meta.url);

function packageVersion(name: string): string | undefined {
  try {
    return (require(`${name}/package.json`) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function usable(facts: AdapterFacts, workerEnv: Record<string, string>): RuntimeProbe {
  const software = softwareAdapter(facts);
  const details: Record<string, string> = {
    adapter: adapterName(facts),
    description: facts.description || '(none)',
    backend: facts.backend ?? 'unknown',
    dawn: `${WEBGPU_PACKAGE} ${packageVersion(WEBGPU_PACKAGE) ?? '?'}`,
  };
  if (workerEnv.VK_ICD_FILENAMES) details.vulkanDriver = `${workerEnv.VK_ICD_FILENAMES} (found by the harness)`;
  return {
    available: true,
    details,
    // A run on SwiftShader and one on a GPU must never be compared as the same key.
    keyOptions: { adapter: adapterName(facts) },
    ...(software ? { software } : {}),
    ...(Object.keys(workerEnv).length ? { workerEnv } : {}),
  };
}

async function probe(context?: ProbeContext): Promise<RuntimeProbe> {
  if (packageVersion(WEBGPU_PACKAGE) === undefined) return { available: false, reason: NOT_INSTALLED };
  const timeoutMs = context?.timeouts.adapterQueryMs ?? DEFAULT_TIMEOUTS.node.adapterQueryMs;
  const system = await queryAdapter(process.env, timeoutMs);
  if (system.found) return usable(system.facts, {});
  if (system.loadFailed) return { available: false, reason: `failed to load ${WEBGPU_PACKAGE} (dawn.node): ${system.why}` };

  const named = namedDriverProblem(process.env, existsSync);
  const choice = swiftShaderFallback({ platform: process.platform, env: process.env, exists: existsSync });
  if ('why' in choice) return { available: false, reason: `no WebGPU adapter: ${named ? `${named} (${system.why})` : `${system.why}; ${choice.why}`}` };
  const { fallback } = choice;
  const software = await queryAdapter({ ...process.env, ...fallback.env }, timeoutMs);
  if (software.found) return usable(software.facts, fallback.env);
  return { available: false, reason: `no WebGPU adapter: ${system.why}; with Chromium's SwiftShader (${fallback.icd}) neither: ${software.why}` };
}

/** navigator.gpu and the GPU* globals, as a page has them; removed again on dispose. */
function installGlobals(gpu: DawnGpu, globals: object): () => void {
  const scope = globalThis as { navigator?: { gpu?: DawnGpu } };
  const before = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  // Node 21+ has its own navigator (a getter): shadow it with one that also has gpu.
  Object.defineProperty(globalThis, 'navigator', { value: { ...(scope.navigator ?? {}), gpu }, configurable: true, writable: true });
  Object.assign(globalThis, globals);
  return () => {
    if (before) Object.defineProperty(globalThis, 'navigator', before);
    else delete scope.navigator;
  };
}

/** Fails the work it guards when the device is lost or raises a WebGPU error, instead of letting it hang. */
function watchDevice(device: DawnDevice): { guard<T>(work: Promise<T>): Promise<T>; stop(): void } {
  let failure: Error | undefined;
  let stopped = false;
  const waiting = new Set<(error: Error) => void>();
  const fail = (error: Error) => {
    if (stopped) return;
    failure ??= error;
    for (const reject of waiting) reject(failure);
  };
  void device.lost.then((info) => fail(new Error(`the WebGPU device was lost (${info.reason || 'unknown reason'}): ${info.message || 'no message'}`)));
  device.addEventListener('uncapturederror', (event) => fail(new Error(`WebGPU error: ${event.error.message}`)));
  return {
    guard<T>(work: Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (failure) {
          work.catch(() => {});
          return reject(failure);
        }
        waiting.add(reject);
        work.then(resolve, reject).finally(() => waiting.delete(reject));
      });
    },
    stop: () => void (stopped = true),
  };
}

async function open(options: OpenOptions): Promise<NodeSession> {
  const dawn = await loadDawn();
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: POWER_PREFERENCE });
  if (!adapter) {
    const driver = process.env.VK_ICD_FILENAMES ? ` with VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}` : '';
    throw new Error(`Dawn found no WebGPU adapter in the job's process${driver} (see \`bench devices\`)`);
  }
  const removeGlobals = installGlobals(gpu, dawn.globals);
  try {
    const tf = await import('@tensorflow/tfjs');
    // Production mode: no per-op correctness checks in the timed path.
    tf.enableProdMode();
    // A literal specifier, so that a bundler includes it; imported only now that navigator.gpu exists.
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js backend "webgpu" failed to initialise (see the messages above)');
    await tf.ready();
    const device = (tf.backend() as unknown as { device: DawnDevice }).device;
    const watch = watchDevice(device);
    const session = tfjsSession(tf, await watch.guard(loadCheckedModel(options)), options.metadata);
    return {
      run: (pixels, batch) => watch.guard(session.run(pixels, batch)),
      memory: session.memory,
      async dispose() {
        watch.stop();
        session.dispose();
        tf.removeBackend('webgpu');
        device.destroy();
        removeGlobals();
      },
      async deviceFacts(): Promise<DeviceFacts> {
        const facts = adapterFacts(adapter, await identifyBackend(dawn, adapter.info));
        return {
          gpu: { ...(facts.vendor ? { vendor: facts.vendor } : {}), adapter: [facts.vendor, facts.architecture, facts.device, facts.description].filter(Boolean).join(' ') },
          extra: {
            webgpuAdapter: describeAdapter(facts),
            webgpuBackend: facts.backend ?? 'unknown',
            softwareAdapter: softwareAdapter(facts) !== undefined,
            ...(process.env.VK_ICD_FILENAMES ? { vulkanDriver: process.env.VK_ICD_FILENAMES } : {}),
          },
        };
      },
    };
  } catch (error) {
    removeGlobals();
    throw error;
  }
}

export const webgpuRuntime: NodeRuntime = {
  name: WEBGPU_RUNTIME,
  format: 'tfjs',
  probe,
  open,
};
