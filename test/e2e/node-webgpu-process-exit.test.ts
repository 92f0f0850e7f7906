/**
 * A process that ran a tfjs-webgpu session and disposed it exits by itself.
 * The webgpu package warns that Dawn keeps Node alive while its instance is
 * referenced; dispose destroys the device and removes navigator.gpu. (With
 * webgpu 0.6.2 on SwiftShader the process also exits without dispose, so
 * this holds the behaviour rather than proving which part gives it.) The
 * Node target's worker exits explicitly anyway; code that runs the runtime
 * in its own process, as the GPU-machine runner does, relies on this.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { swiftShaderFallback } from '../../targets/node/dawn-env.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';
import { webgpuSkip } from '../helpers/webgpu.ts';

let out: string;
let tiny: TinyArtifact;

before(async () => {
  out = await tempDir('node-webgpu-exit');
  tiny = await makeTinyArtifact(out, { images: 2 });
});
after(() => rmSync(out, { recursive: true, force: true }));

const SCRIPT = `
import { webgpuRuntime } from ${JSON.stringify(new URL('../../targets/node/webgpu.ts', import.meta.url).href)};
const [artifactPath, metadataJson] = process.argv.slice(-2);
const metadata = JSON.parse(metadataJson);
const session = await webgpuRuntime.open({ artifactPath, metadata, threads: 1, batchSize: 1 });
const probabilities = await session.run(new Uint8Array(metadata.inputSize * metadata.inputSize * 3).fill(128), 1);
await session.dispose();
console.log('ran', probabilities.length);
`;

test('after open, run and dispose, the process exits on its own with code 0', { skip: webgpuSkip() }, () => {
  const choice = swiftShaderFallback({ platform: process.platform, env: process.env, exists: existsSync });
  const env = { ...process.env, ...('fallback' in choice ? choice.fallback.env : {}) };
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, '--', tiny.modelJsonPath, JSON.stringify(tiny.metadata)], { env, encoding: 'utf8', timeout: 90_000, cwd: process.cwd() });
  assert.equal(result.signal, null, `still running after ${Date.now() - started} ms: something keeps Node alive\n${result.stderr}`);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^ran 3$/m);
});
