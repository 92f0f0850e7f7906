/** Whether the tfjs-webgpu tests can run here: Dawn installed, and a GPU or Chromium's SwiftShader for it to use. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SWIFTSHADER_FOLDERS, SWIFTSHADER_ICD } from '../../targets/node/dawn-env.ts';

const require = createRequire(import.meta.url);

/** A reason to skip, or false: node:test's `skip` option. */
export function webgpuSkip(): string | false {
  try {
    require.resolve('webgpu');
  } catch {
    return 'webgpu (Dawn for Node) is not installed';
  }
  if (process.platform === 'linux' && !SWIFTSHADER_FOLDERS.some((folder) => existsSync(join(folder, SWIFTSHADER_ICD)))) return 'no SwiftShader Vulkan driver (apt-get install chromium)';
  return false;
}
