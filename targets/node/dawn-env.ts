/**
 * The environment Dawn starts in. Dawn reads it once, when it loads the
 * Vulkan loader (libvulkan.so.1, found through the library path) and the
 * loader reads which driver to use (VK_ICD_FILENAMES): so it is set on the
 * process that runs a job, before that process starts, never from inside it.
 *
 * On a Linux host without a GPU driver, Chromium's own SwiftShader Vulkan
 * driver (Debian's `chromium` package ships it, with a Vulkan loader, in
 * /usr/lib/chromium) gives Dawn a software adapter: the code path runs, the
 * numbers are the CPU's. Mesa's lavapipe does not serve: Debian 12's Mesa
 * lacks a Vulkan feature Dawn requires, and Dawn refuses it.
 */
import { dirname, join } from 'node:path';

/** Folders where browsers install SwiftShader's Vulkan driver with its ICD file, first found wins. */
export const SWIFTSHADER_FOLDERS: readonly string[] = [
  '/usr/lib/chromium', // Debian, Arch
  '/usr/lib/chromium-browser', // Ubuntu (deb), older Debian
  '/usr/lib64/chromium-browser', // Fedora
  '/opt/google/chrome', // Google Chrome
];
export const SWIFTSHADER_ICD = 'vk_swiftshader_icd.json';

/** Variables by which a user (or a test) names the Vulkan driver: when either is set, the harness leaves the choice alone. */
export const VULKAN_DRIVER_VARIABLES = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES'] as const;

export interface SoftwareFallback {
  /** The ICD file the loader is pointed at. */
  icd: string;
  /** Variables to set on the job's process. */
  env: Record<string, string>;
}

export interface FallbackInput {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  exists: (path: string) => boolean;
  folders?: readonly string[];
}

/**
 * Chromium's SwiftShader as Dawn's Vulkan driver, where that applies (Linux,
 * no driver named by the user, an installed Chromium or Chrome), or why not.
 * Its folder goes at the end of LD_LIBRARY_PATH: Chromium ships the Vulkan
 * loader beside the driver, and many GPU-less hosts have none of their own.
 */
export function swiftShaderFallback(input: FallbackInput): { fallback: SoftwareFallback } | { why: string } {
  if (input.platform !== 'linux') return { why: `the SwiftShader fallback is for Linux (this is ${input.platform})` };
  const named = VULKAN_DRIVER_VARIABLES.find((name) => input.env[name]);
  if (named) return { why: `${named}=${input.env[named]} names the Vulkan driver, so the harness does not pick one` };
  const folders = input.folders ?? SWIFTSHADER_FOLDERS;
  const icd = folders.map((folder) => join(folder, SWIFTSHADER_ICD)).find((path) => input.exists(path));
  if (!icd) return { why: `no SwiftShader Vulkan driver to fall back on (looked for ${SWIFTSHADER_ICD} in ${folders.join(', ')}; apt-get install chromium provides one)` };
  const libraryPath = [input.env.LD_LIBRARY_PATH, dirname(icd)].filter(Boolean).join(':');
  return { fallback: { icd, env: { VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: libraryPath } } };
}

/** Why a named driver gave nothing, where the reason is plain: the file it names is not there. */
export function namedDriverProblem(env: Readonly<Record<string, string | undefined>>, exists: (path: string) => boolean): string | undefined {
  for (const name of VULKAN_DRIVER_VARIABLES) {
    const value = env[name];
    if (!value) continue;
    const missing = value.split(':').filter((path) => path && !exists(path));
    if (missing.length) return `${name} names ${missing.join(', ')}, which does not exist`;
  }
  return undefined;
}
