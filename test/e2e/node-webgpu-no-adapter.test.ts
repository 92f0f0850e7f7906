/**
 * Discovery without a WebGPU adapter: with the Vulkan driver named by the
 * user (VK_ICD_FILENAMES) and missing, tfjs-webgpu is unavailable with a
 * reason that names the missing file and Dawn's own words, the harness does
 * not override the user's choice, and the run goes on with the others.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { createNodeTarget } from '../../targets/node/index.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';
import { webgpuSkip } from '../helpers/webgpu.ts';

let out: string;
let missing: string;

before(async () => {
  out = await tempDir('node-webgpu-none');
  await makeTinyArtifact(out, { images: 4 });
  missing = join(out, 'no-such-icd.json');
  // Inherited by the probe's worker and by Dawn's query process.
  process.env.VK_ICD_FILENAMES = missing;
});
after(() => {
  delete process.env.VK_ICD_FILENAMES;
  rmSync(out, { recursive: true, force: true });
});

test('no adapter: tfjs-webgpu unavailable, saying why; the run goes on', { skip: webgpuSkip() }, async () => {
  const config = parseConfig({ out, models: ['tiny'], run: { targets: ['node'], backends: ['tfjs-webgpu', 'tfjs-wasm'], warmupIterations: 0, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000 } });
  const log = memoryLogger();
  const [host] = await createNodeTarget().discover({ config, log, out, signal: new AbortController().signal });
  const status = host!.runtimes.find((runtime) => runtime.runtime === 'tfjs-webgpu')!;
  assert.equal(status.available, false);
  assert.equal(status.software, undefined);
  // Then Dawn's own words: which depend on the host (no Vulkan loader at all here; "Failed to open JSON file" where there is one).
  assert.ok(status.reason!.startsWith(`no WebGPU adapter: VK_ICD_FILENAMES names ${missing}, which does not exist (Dawn found no adapter (`), status.reason);
  assert.ok(!status.reason!.includes('\n'), 'one line');

  const { record } = await runBenchmarks({ config, log, out });
  assert.equal(record.status, 'complete');
  assert.deepEqual(record.measurements.map((m) => m.key.runtime), ['tfjs-wasm']);
  assert.deepEqual(record.failures, [], 'an unavailable runtime is not planned, so it does not fail');
  assert.ok(log.lines.some((line) => /^node .*: tfjs-wasm, tfjs-cpu, .*\(unavailable: .*tfjs-webgpu.*; see `bench devices`\)$/.test(line)), log.lines.join('\n'));
});
