/**
 * `bench profile` on the retrained MobileNetV2 with its default runtimes
 * (Node tfjs-wasm, tflite-node, Chromium's tfjs-wasm and LiteRT.js wasm):
 * for each runtime and variant, how the profile's parts add up against the
 * job's own p50 (target: within 15%, or the profile says by how much not),
 * what profiling itself cost (tf.profile's wall time over the p50), the
 * runtime's probed peak and the model's share of it, and XNNPACK's coverage.
 * The model is retrained once into the system's temp folder (~20 s) and reused.
 *
 *   npm run benchmark:profile [-- --threads 1] [-- --variants float32,float16,int8-dynamic,int8] [-- --backends tfjs-wasm,browser:litert-wasm]
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { addsUpText, type ModelProfile } from '../../harness/core/profile.ts';
import { percentOfPeak } from '../../harness/core/roofline.ts';
import { mobilenetFixture } from '../helpers/browser-fixture.ts';
import { bench } from '../helpers/cli.ts';

const { values: flags } = parseArgs({ options: { threads: { type: 'string' }, variants: { type: 'string', default: 'float32,float16,int8-dynamic,int8' }, backends: { type: 'string' } } });
const out = join(tmpdir(), 'edgebench-profile-bench');
await mobilenetFixture(out, 8);
const started = performance.now();
const result = await bench(['profile', '--model', 'mobilenet_v2', '--out', out, '--variants', flags.variants!, ...(flags.backends ? ['--backends', flags.backends] : []), ...(flags.threads ? ['--threads', flags.threads] : []), '--json']);
if (result.code !== 0) throw new Error(`bench profile exited ${result.code}: ${result.stderr.slice(-2000)}`);
const { profiles } = JSON.parse(result.stdout) as { profiles: ModelProfile[] };
console.log(`bench profile --model mobilenet_v2: ${((performance.now() - started) / 1000).toFixed(1)} s`);
for (const profile of profiles[0]!.runtimes) {
  const parts = profile.sumMs === null ? `untimed (${profile.why ?? 'no kernel times'})` : `parts ${profile.sumMs.toFixed(2)} ms / p50 ${profile.p50Ms.toFixed(2)} ms = ${((profile.ratio ?? 0) * 100).toFixed(0)}% (${addsUpText(profile.ratio)})`;
  const share = percentOfPeak(profile.gflops, profile.peak);
  const peak = profile.peak ? `; peak ${profile.peak.gflops.toFixed(1)} GFLOP/s, the model at ${share === null ? '–' : `${share.toFixed(0)}%`} (${profile.peak.source})` : '';
  const overhead = profile.overheadMs !== undefined ? `; profiling cost ${profile.overheadMs.toFixed(1)} ms (${((profile.overheadMs / profile.p50Ms) * 100).toFixed(0)}% of p50)` : '';
  const coverage = profile.coverage ? `; ${profile.coverage.accelerated}/${profile.coverage.total} ops on ${profile.coverage.accelerator}, left ${JSON.stringify(profile.coverage.left)}` : '';
  const negative = profile.rows.filter((row) => (row.ms ?? 0) < 0).length;
  console.log(`${profile.runtime} ${profile.variant}${profile.device ? ` in ${profile.device}` : ''} (${profile.method}): ${parts}${overhead}${peak}${coverage}${negative ? `; ${negative} negative blocks` : ''}`);
}
for (const skip of profiles[0]!.skipped) console.log(`${skip.runtime} ${skip.variant}: skipped: ${skip.reason}`);
