/**
 * What `tfjs-tensorflow-gpu` (@tensorflow/tfjs-node-gpu 4.22) needs from the
 * machine, what the machine has, and one line saying both.
 *
 * tfjs-node-gpu 4.22 bundles libtensorflow 2.9.1, built for CUDA 11.2 and
 * cuDNN 8.1. TensorFlow opens the CUDA libraries by their sonames when it
 * loads; where they are missing it does not fail, it logs "Could not load
 * dynamic library 'libcudart.so.11.0'" and runs every op on the CPU. A
 * runtime named "gpu" that silently measures the CPU would be a lie, so the
 * probe looks for the libraries first and says what it found instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** The sonames libtensorflow 2.9.1 (GPU) opens, with what each one is. */
export const TENSORFLOW_GPU_NEEDS: ReadonlyArray<{ soname: string; what: string }> = [
  { soname: 'libcuda.so.1', what: 'the NVIDIA driver' },
  { soname: 'libcudart.so.11.0', what: 'CUDA 11.2' },
  { soname: 'libcublas.so.11', what: 'cuBLAS 11' },
  { soname: 'libcudnn.so.8', what: 'cuDNN 8.1' },
];

/** Libraries named like CUDA's, found on this machine. */
export interface CudaFacts {
  /** Sonames of CUDA, cuBLAS, cuDNN and driver libraries on the library path, e.g. `libcudart.so.12`. */
  libraries: string[];
  /** The NVIDIA kernel driver's version, from /proc/driver/nvidia/version. */
  driverVersion?: string;
}

const CUDA_LIBRARY = /^lib(cuda|cudart|cublas|cudnn)\.so(\.\d+)+$/;

/** Sonames in `ldconfig -p` output ("\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12"). */
export function parseLdconfig(output: string): string[] {
  return output
    .split('\n')
    .map((line) => /^\s+(\S+)\s+\(/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** The version in /proc/driver/nvidia/version ("NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar …"). */
export function parseNvidiaDriverVersion(text: string): string | undefined {
  return /^NVRM version:.*?\s(\d+\.\d+(?:\.\d+)?)\s/m.exec(text)?.[1];
}

export interface CudaSearch {
  /** Folders searched besides the loader cache: LD_LIBRARY_PATH's, then CUDA's usual install folder. */
  folders: string[];
  /** `ldconfig -p` output ('' where ldconfig is missing). */
  ldconfig: string;
  /** /proc/driver/nvidia/version ('' without the NVIDIA driver). */
  driverFile: string;
}

/** Reads the search inputs from this machine. */
export function cudaSearchHere(env: Readonly<Record<string, string | undefined>> = process.env): CudaSearch {
  const ldconfig = ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']
    .map((command) => (command.startsWith('/') && !existsSync(command) ? undefined : spawnSync(command, ['-p'], { encoding: 'utf8', timeout: 10_000 })))
    .find((result) => result?.status === 0);
  let driverFile = '';
  try {
    driverFile = readFileSync('/proc/driver/nvidia/version', 'utf8');
  } catch {
    // No NVIDIA kernel driver.
  }
  const folders = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), '/usr/local/cuda/lib64'];
  return { folders, ldconfig: ldconfig?.stdout ?? '', driverFile };
}

export function findCuda(search: CudaSearch, list: (folder: string) => string[] = listFolder): CudaFacts {
  const names = new Set([...parseLdconfig(search.ldconfig), ...search.folders.flatMap(list)].filter((name) => CUDA_LIBRARY.test(name)));
  const driverVersion = parseNvidiaDriverVersion(search.driverFile);
  return { libraries: [...names].sort(), ...(driverVersion ? { driverVersion } : {}) };
}

function listFolder(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

function found(facts: CudaFacts): string {
  const parts = [...facts.libraries];
  if (facts.driverVersion) parts.push(`NVIDIA driver ${facts.driverVersion}`);
  return parts.length ? parts.join(', ') : 'no CUDA library and no NVIDIA driver';
}

const NEED = `@tensorflow/tfjs-node-gpu 4.22 (libtensorflow 2.9.1) needs CUDA 11.2 and cuDNN 8.1 (${TENSORFLOW_GPU_NEEDS.map((need) => need.soname).join(', ')})`;

/**
 * Whether tfjs-node-gpu would run on a GPU here, and if not one line: what
 * was found, what it needs, and the route that works on current drivers.
 */
export function tensorflowGpuReadiness(facts: CudaFacts): { ready: true } | { ready: false; reason: string } {
  const missing = TENSORFLOW_GPU_NEEDS.filter((need) => !facts.libraries.includes(need.soname));
  if (missing.length === 0) return { ready: true };
  return {
    ready: false,
    reason: `found ${found(facts)}; ${NEED}, missing ${missing.map((need) => `${need.soname} (${need.what})`).join(', ')}: without them it would run on the CPU. On current CUDA 12/13 drivers use tfjs-webgpu`,
  };
}

/** One line for a tfjs-node-gpu that is installed but whose import threw. */
export function tensorflowGpuLoadFailure(loaderMessage: string, facts: CudaFacts): string {
  return `failed to load @tensorflow/tfjs-node-gpu: ${loaderMessage.split('\n')[0]}; found ${found(facts)}; ${NEED}. On current CUDA 12/13 drivers use tfjs-webgpu`;
}
