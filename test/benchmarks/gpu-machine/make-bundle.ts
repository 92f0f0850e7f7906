/**
 * Makes the GPU-machine bundle: everything the Node GPU benchmark
 * (../node-webgpu.bench.ts) needs on a Linux x86-64 machine that has an
 * NVIDIA GPU and a Vulkan driver but no Node, in two files under 64 MiB:
 *
 *   edgebench-node-gpu-linux-x64.tar.xz   this host's Node binary (stripped), the
 *       benchmark bundled by esbuild into one file (TF.js, the kernel, the Node
 *       runtimes; no tsx), dawn.node from the `webgpu` package, TF.js's wasm
 *       binaries, the embedded MobileNetV2 and InceptionV3 (nsfwjs files), the
 *       evaluation images decoded at each model's size, and a Vulkan loader
 *       (Chromium's) for hosts that have a driver but no loader;
 *   run-on-gpu-machine.sh   unpacks it and runs the benchmark.
 *
 *   npm run benchmark:node-gpu:bundle [-- <out folder>]     (default .bench/gpu-machine)
 *
 * Then, there: `sh run-on-gpu-machine.sh`. Here, to check the bundle runs
 * (on SwiftShader): `BENCH_MODELS=mobilenet_v2 sh .bench/gpu-machine/run-on-gpu-machine.sh`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { writeEvalPack } from '../../../harness/core/eval-pack.ts';
import { SWIFTSHADER_FOLDERS } from '../../../targets/node/dawn-env.ts';
import { makeEvalPack } from './bench-models.ts';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const LIMIT_BYTES = 64 * 2 ** 20;
const ARCHIVE = 'edgebench-node-gpu-linux-x64.tar.xz';
const FOLDER = 'edgebench-node-gpu';
const MODELS = [
  { model: 'mobilenet_v2', size: 224 },
  { model: 'inception_v3', size: 299 },
];
const IMAGES = 8;

const require = createRequire(import.meta.url);
const out = resolve(process.argv[2] ?? join(ROOT, '.bench', 'gpu-machine'));
const stage = join(out, 'stage', FOLDER);
/** A package's folder: from its entry upwards to its package.json (nsfwjs's "exports" hides package.json from require.resolve). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || (require(join(dir, 'package.json')) as { name?: string }).name !== name) {
    if (dirname(dir) === dir) throw new Error(`no package.json of ${name} above ${require.resolve(name)}`);
    dir = dirname(dir);
  }
  return dir;
}

/**
 * The dataset drawing code (sharp, a native addon) is only reached where no
 * packs are given, which the bundle never is: left out of it, so that sharp's
 * import is not hoisted into the bundle's start.
 */
const leaveOutDataset: Plugin = {
  name: 'leave-out-dataset',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /models\/dataset\// }, (args) => ({ path: args.path, external: true }));
  },
};

async function bundleRunner(): Promise<void> {
  await build({
    entryPoints: [join(ROOT, 'test/benchmarks/node-webgpu.bench.ts')],
    outfile: join(stage, 'runner.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // dawn.node is a native addon: shipped beside the bundle as a package.
    external: ['webgpu', 'sharp'],
    plugins: [leaveOutDataset],
    // CommonJS packages bundled into an ES module still call require and read __dirname (TF.js's wasm backend finds its .wasm files there).
    banner: {
      js: "import { createRequire as __edgebenchRequire } from 'node:module'; import { dirname as __edgebenchDirname } from 'node:path'; import { fileURLToPath as __edgebenchPath } from 'node:url'; const require = __edgebenchRequire(import.meta.url); const __filename = __edgebenchPath(import.meta.url); const __dirname = __edgebenchDirname(__filename);",
    },
    logLevel: 'warning',
    legalComments: 'none',
  });
}

async function copyNode(): Promise<void> {
  await mkdir(join(stage, 'bin'), { recursive: true });
  // Debug symbols are a tenth of Node's binary and of no use there.
  execFileSync('strip', ['-o', join(stage, 'bin', 'node'), process.execPath]);
}

async function copyPackages(): Promise<void> {
  const webgpu = packageDir('webgpu');
  const webgpuTo = join(stage, 'node_modules', 'webgpu');
  await mkdir(join(webgpuTo, 'dist', 'linux-x64'), { recursive: true });
  for (const file of ['package.json', 'index.js', 'LICENSE.md', 'dist/linux-x64/dawn.node']) await copyFile(join(webgpu, file), join(webgpuTo, file));

  // models/zoo.ts finds nsfwjs's model files through require.resolve('nsfwjs'): its entry and the two models. The
  // package is "type": "module"; the package.json files under dist/ make its CommonJS entry and its UMD model files CommonJS again.
  const nsfwjs = packageDir('nsfwjs');
  const nsfwjsTo = join(stage, 'node_modules', 'nsfwjs');
  await mkdir(join(nsfwjsTo, 'dist', 'cjs'), { recursive: true });
  await mkdir(join(nsfwjsTo, 'dist', 'models'), { recursive: true });
  for (const file of ['package.json', 'LICENSE', 'dist/cjs/package.json', 'dist/cjs/index.js', 'dist/models/package.json']) {
    if (existsSync(join(nsfwjs, file))) await copyFile(join(nsfwjs, file), join(nsfwjsTo, file));
  }
  for (const { model } of MODELS) await cp(join(nsfwjs, 'dist', 'models', model), join(nsfwjsTo, 'dist', 'models', model), { recursive: true });

  const wasm = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) await copyFile(join(wasm, file), join(stage, file));

  // A Vulkan loader for hosts with a driver but no loader (headless servers often lack libvulkan1).
  const loader = SWIFTSHADER_FOLDERS.map((folder) => join(folder, 'libvulkan.so.1')).find((path) => existsSync(path));
  if (loader) {
    await mkdir(join(stage, 'lib'), { recursive: true });
    await copyFile(loader, join(stage, 'lib', 'libvulkan.so.1'));
  } else {
    console.warn('no libvulkan.so.1 found beside a Chromium here: the bundle will rely on the GPU machine having one');
  }
}

async function writePacks(): Promise<void> {
  for (const { model, size } of MODELS) await writeEvalPack(join(stage, 'packs', model), await makeEvalPack(model, size, IMAGES));
}

const RUN_INSIDE = `#!/bin/sh
# Runs the Node GPU benchmark from this folder (made by test/benchmarks/gpu-machine/make-bundle.ts).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# Dawn opens the Vulkan loader by name: the bundled one only where the system has none.
if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  export LD_LIBRARY_PATH="\${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$here/lib"
  echo "no system Vulkan loader: using the bundled one ($here/lib/libvulkan.so.1)"
fi
export BENCH_PACKS="$here/packs" BENCH_OUT="$here/no-retrained-models"
exec "$here/bin/node" "$here/runner.mjs"
`;

const RUN_THERE = `#!/bin/sh
# On a Linux x86-64 machine with an NVIDIA GPU and a Vulkan driver (no Node needed):
#   sh run-on-gpu-machine.sh            both models;  BENCH_MODELS=mobilenet_v2 BENCH_SAMPLES=50 sh run-on-gpu-machine.sh
# Prints p50 on Node tfjs-webgpu (Dawn on Vulkan) and tfjs-wasm, their ratio, agreement with TF.js cpu, and the adapter.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=\${EDGEBENCH_WORK:-$(mktemp -d)}
tar -xJf "$here/${ARCHIVE}" -C "$work"
echo "unpacked into $work/${FOLDER}"
if command -v nvidia-smi >/dev/null 2>&1; then nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; else echo "nvidia-smi: not found"; fi
for dir in /usr/share/vulkan/icd.d /etc/vulkan/icd.d; do
  if [ -d "$dir" ]; then echo "Vulkan drivers in $dir: $(ls "$dir" | tr '\\n' ' ')"; fi
done
exec sh "$work/${FOLDER}/run.sh"
`;

async function sizeOf(path: string): Promise<number> {
  return (await stat(path)).size;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

await rm(join(out, 'stage'), { recursive: true, force: true });
await mkdir(stage, { recursive: true });
console.log(`bundling the benchmark into ${relative(ROOT, stage)}/runner.mjs …`);
await bundleRunner();
await copyNode();
await copyPackages();
console.log(`drawing ${IMAGES} evaluation images per model …`);
await writePacks();
await writeFile(join(stage, 'run.sh'), RUN_INSIDE);
await chmod(join(stage, 'run.sh'), 0o755);

const archive = join(out, ARCHIVE);
console.log(`compressing (xz -9) …`);
execFileSync('tar', ['-cf', archive, '--use-compress-program=xz -9 -T0', '-C', join(out, 'stage'), FOLDER]);
await writeFile(join(out, 'run-on-gpu-machine.sh'), RUN_THERE);
await chmod(join(out, 'run-on-gpu-machine.sh'), 0o755);

const parts = ['bin/node', 'runner.mjs', 'node_modules/webgpu/dist/linux-x64/dawn.node', 'node_modules/nsfwjs/dist/models', 'packs'];
for (const part of parts) {
  const size = Number(execFileSync('du', ['-sb', join(stage, part)], { encoding: 'utf8' }).split('\t')[0]);
  console.log(`  ${part.padEnd(46)} ${mib(size).padStart(10)} (uncompressed)`);
}
const total = (await sizeOf(archive)) + (await sizeOf(join(out, 'run-on-gpu-machine.sh')));
console.log(`${relative(ROOT, archive)}: ${mib(await sizeOf(archive))}; with run-on-gpu-machine.sh ${mib(total)} in all (limit ${mib(LIMIT_BYTES)})`);
if (total > LIMIT_BYTES) {
  console.error(`the bundle is over ${mib(LIMIT_BYTES)}`);
  process.exitCode = 1;
}
