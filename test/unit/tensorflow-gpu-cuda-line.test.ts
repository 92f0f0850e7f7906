/**
 * tfjs-tensorflow-gpu (@tensorflow/tfjs-node-gpu 4.22) on a machine without
 * CUDA 11.2: one line saying what was found and what it needs, instead of a
 * loader stack trace or a silent run on the CPU. The CUDA libraries are found
 * from `ldconfig -p` and the library path; the driver from /proc.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cudaSearchHere, findCuda, parseLdconfig, parseNvidiaDriverVersion, tensorflowGpuLoadFailure, tensorflowGpuReadiness } from '../../targets/node/cuda.ts';
import { TFJS_BACKENDS, tfjsRuntime } from '../../targets/node/tfjs.ts';

/** `ldconfig -p` as it prints (header and format as on this project's Debian machines), on a host with CUDA 12.4 and cuDNN 9. */
const LDCONFIG_CUDA12 = `604 libs found in cache \`/etc/ld.so.cache'
\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1
\tlibcudnn.so.9 (libc6,x86-64) => /lib/x86_64-linux-gnu/libcudnn.so.9
\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda-12.4/targets/x86_64-linux/lib/libcudart.so.12
\tlibcublas.so.12 (libc6,x86-64) => /usr/local/cuda-12.4/targets/x86_64-linux/lib/libcublas.so.12
\tlibcuda.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libcuda.so.1
\tlibcuda.so (libc6,x86-64) => /lib/x86_64-linux-gnu/libcuda.so
`;
const DRIVER_FILE = 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04)\n';
const OPEN_DRIVER_FILE = 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.86.15  Release Build  (dvs-builder@U16-I3-B03-4-3)  Thu Jan 23 23:07:18 UTC 2025\n';

test('ldconfig -p lines give sonames; /proc/driver/nvidia/version gives the driver version', () => {
  assert.deepEqual(parseLdconfig(LDCONFIG_CUDA12), ['libz.so.1', 'libcudnn.so.9', 'libcudart.so.12', 'libcublas.so.12', 'libcuda.so.1', 'libcuda.so']);
  assert.equal(parseNvidiaDriverVersion(DRIVER_FILE), '550.54.15');
  assert.equal(parseNvidiaDriverVersion(OPEN_DRIVER_FILE), '570.86.15');
  assert.equal(parseNvidiaDriverVersion(''), undefined);
});

test('a CUDA 12 host: one line naming what was found, what tfjs-node-gpu needs, and tfjs-webgpu', () => {
  const facts = findCuda({ folders: [], ldconfig: LDCONFIG_CUDA12, driverFile: DRIVER_FILE });
  assert.deepEqual(facts, { libraries: ['libcublas.so.12', 'libcuda.so.1', 'libcudart.so.12', 'libcudnn.so.9'], driverVersion: '550.54.15' });
  const readiness = tensorflowGpuReadiness(facts);
  assert.equal(readiness.ready, false);
  const reason = readiness.ready ? '' : readiness.reason;
  assert.equal(
    reason,
    'found libcublas.so.12, libcuda.so.1, libcudart.so.12, libcudnn.so.9, NVIDIA driver 550.54.15; @tensorflow/tfjs-node-gpu 4.22 (libtensorflow 2.9.1) needs CUDA 11.2 and cuDNN 8.1 ' +
      '(libcuda.so.1, libcudart.so.11.0, libcublas.so.11, libcudnn.so.8), missing libcudart.so.11.0 (CUDA 11.2), libcublas.so.11 (cuBLAS 11), libcudnn.so.8 (cuDNN 8.1): ' +
      'without them it would run on the CPU. On current CUDA 12/13 drivers use tfjs-webgpu',
  );
});

test('a host with nothing: says so; libraries on LD_LIBRARY_PATH count; CUDA 11.2 + cuDNN 8 is ready', () => {
  const none = tensorflowGpuReadiness(findCuda({ folders: [], ldconfig: '', driverFile: '' }));
  assert.match(none.ready ? '' : none.reason, /^found no CUDA library and no NVIDIA driver; .* needs CUDA 11\.2 and cuDNN 8\.1 /);

  const folder = mkdtempSync(join(tmpdir(), 'edgebench-cuda-'));
  try {
    for (const name of ['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8', 'libcudnn.so.8.1.1', 'libnotcuda.so.1']) writeFileSync(join(folder, name), '');
    const search = cudaSearchHere({ LD_LIBRARY_PATH: `/no/such/folder:${folder}` });
    assert.deepEqual(search.folders.slice(0, 2), ['/no/such/folder', folder]);
    const facts = findCuda({ ...search, ldconfig: LDCONFIG_CUDA12 });
    assert.ok(facts.libraries.includes('libcudart.so.11.0') && facts.libraries.includes('libcudnn.so.8.1.1') && !facts.libraries.includes('libnotcuda.so.1'), facts.libraries.join(', '));
    assert.deepEqual(tensorflowGpuReadiness(facts), { ready: true });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('an import that throws becomes one line: the loader message, what was found, what it needs', () => {
  const line = tensorflowGpuLoadFailure("libtensorflow.so.2: cannot open shared object file: No such file or directory\n    at Module._extensions..node (node:internal/modules/cjs/loader:1460:18)", {
    libraries: ['libcudart.so.12'],
  });
  assert.ok(!line.includes('\n'));
  assert.equal(
    line,
    'failed to load @tensorflow/tfjs-node-gpu: libtensorflow.so.2: cannot open shared object file: No such file or directory; found libcudart.so.12; ' +
      '@tensorflow/tfjs-node-gpu 4.22 (libtensorflow 2.9.1) needs CUDA 11.2 and cuDNN 8.1 (libcuda.so.1, libcudart.so.11.0, libcublas.so.11, libcudnn.so.8). On current CUDA 12/13 drivers use tfjs-webgpu',
  );
});

test('installed but without CUDA 11.2 here: the probe says that line before importing anything', { skip: tensorflowGpuReadiness(findCuda(cudaSearchHere())).ready && 'this host has CUDA 11.2' }, async () => {
  const gpu = TFJS_BACKENDS.find((spec) => spec.runtime === 'tfjs-tensorflow-gpu')!;
  // The same runtime with an installed package in place of tfjs-node-gpu (whose install downloads libtensorflow): what runs first is the CUDA check.
  const probe = await tfjsRuntime({ ...gpu, package: '@tensorflow/tfjs-backend-cpu', backend: 'cpu' }).probe();
  assert.equal(probe.available, false);
  assert.match(probe.reason!, /^found .*; @tensorflow\/tfjs-node-gpu 4\.22 \(libtensorflow 2\.9\.1\) needs CUDA 11\.2 and cuDNN 8\.1 .*On current CUDA 12\/13 drivers use tfjs-webgpu$/);
});
