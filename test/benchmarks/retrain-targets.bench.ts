/**
 * `npm run benchmark:retrain-targets`: in one run, side by side, the retrain
 * workload of mobilenet_v2 (the default training pack and steps) on Node
 * TF.js `wasm`, headless Chromium TF.js `wasm` and headless Chromium TF.js
 * `webgl` (SwiftShader on a machine without a GPU: named explicitly, as the
 * default plan leaves software GPUs out): bottleneck extraction images/s and
 * ms per training step, and each one's ratio to Node wasm.
 *
 * It uses the retrained mobilenet_v2 in BENCH_OUT when given; otherwise the
 * small one the retrain-workload tests share (test/helpers/retrained-mobilenet.ts:
 * retrained once into the temp folder's build cache, about a minute, and
 * copied into a fresh folder).
 *
 *   npm run benchmark:retrain-targets
 *   BENCH_OUT=.bench npm run benchmark:retrain-targets
 */
import { resolve } from 'node:path';
import { parseConfig } from '../../harness/core/config.ts';
import { createLogger } from '../../harness/core/log.ts';
import type { Measurement } from '../../harness/core/record.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { retrainConfig, retrainFixture } from '../helpers/retrain-fixture.ts';

const RUNTIMES = [
  { target: 'node', runtime: 'tfjs-wasm', label: 'Node tfjs-wasm' },
  { target: 'browser', runtime: 'tfjs-wasm', label: 'Chromium tfjs-wasm' },
  { target: 'browser', runtime: 'tfjs-webgl', label: 'Chromium tfjs-webgl' },
] as const;

async function main(): Promise<void> {
  const given = process.env.BENCH_OUT;
  const out = given ? resolve(given) : (await retrainFixture()).out;
  // The workload's default pack and steps (what `bench all` runs); a short evaluation, which is not timed here.
  const defaults = parseConfig({}).retrainWorkload;
  const workload = { images: defaults.images, steps: defaults.steps, evalImages: 8 };
  const over = { retrainWorkload: workload, run: { targets: ['node', 'browser'] as ('node' | 'browser')[], backends: ['tfjs-wasm', 'tfjs-webgl'] }, browser: { browsers: ['/usr/bin/chromium'] } };
  const config = given ? parseConfig({ out, models: ['mobilenet_v2'], run: { ...over.run, workloads: ['retrain'], rounds: 1 }, retrainWorkload: workload, browser: over.browser }) : retrainConfig(out, over);
  const log = createLogger({ level: 'quiet' });
  console.log(`retrain workload of mobilenet_v2: ${config.retrainWorkload.images} training images, ${config.retrainWorkload.steps} steps of batch ${config.retrain.batchSize} (${config.retrain.optimizer}, learning rate ${config.retrain.learningRate}), out ${out}`);
  const { record } = await runBenchmarks({ config, log, out });
  for (const failed of record.failures) console.log(`FAILED ${failed.key.target} ${failed.key.runtime} in ${failed.phase}: ${failed.error.message.split('\n')[0]}`);

  const find = (target: string, runtime: string): Measurement | undefined => record.measurements.find((entry) => entry.key.target === target && entry.key.runtime === runtime && entry.retrain);
  const base = find('node', 'tfjs-wasm')?.retrain;
  const ratio = (value: number, reference: number | undefined, higherIsBetter: boolean) => (reference ? `${(higherIsBetter ? value / reference : reference / value).toFixed(2)}×` : 'n/a');
  console.log('');
  console.log(['runtime'.padEnd(22), 'extraction img/s'.padStart(17), 'vs Node wasm'.padStart(13), 'ms/step'.padStart(9), 'vs Node wasm'.padStart(13), 'retrain s'.padStart(10), 'accuracy (host)'.padStart(17)].join(' '));
  for (const { target, runtime, label } of RUNTIMES) {
    const numbers = find(target, runtime)?.retrain;
    if (!numbers) {
      console.log(`${label.padEnd(22)} not measured`);
      continue;
    }
    const software = find(target, runtime)?.device.extra?.software;
    console.log(
      [
        `${label}${software ? '*' : ''}`.padEnd(22),
        numbers.extraction.imagesPerSecond.toFixed(2).padStart(17),
        ratio(numbers.extraction.imagesPerSecond, base?.extraction.imagesPerSecond, true).padStart(13),
        numbers.training.msPerStep.toFixed(2).padStart(9),
        ratio(numbers.training.msPerStep, base?.training.msPerStep, false).padStart(13),
        (numbers.timeToRetrainMs / 1000).toFixed(1).padStart(10),
        `${numbers.accuracy === null ? '–' : (numbers.accuracy * 100).toFixed(0)}% (${numbers.host ? (numbers.host.accuracy * 100).toFixed(0) : '–'}%)${numbers.diverged ? ' diverged' : ''}`.padStart(17),
      ].join(' '),
    );
  }
  console.log('\nratios: how many times faster than Node tfjs-wasm (above 1 is faster). * software GPU (SwiftShader): not a GPU figure.');
}

await main();
