/**
 * The audit's deflate bomb: a ~410 KB .tflite whose TFLite Support metadata
 * names a label file packed as 400 MiB of deflated zeros. `bench inspect`
 * says in one line why the metadata cannot be read and describes the rest;
 * `bench run --model` skips the model with one line. Each runs in a child
 * process whose peak memory (maxRSS) stays under 500 MB: the entry is never
 * inflated past its declared size or the 16 MiB cap (it used to take 3.4 GB
 * and abort Node). The child runs the CLI's `main` under the tests' own
 * loader (test/helpers/bench-child.ts's), not tsx: the same code and process,
 * less tsx's start in each of the three.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { appended, deflatedZeros, deflatedZip } from '../fixtures/deflate-bomb.ts';
import { tfliteWithSupportMetadata } from '../fixtures/tflite-support-metadata.ts';
import { TS_LOADER } from '../helpers/bench-child.ts';

const CLI = new URL('../../harness/cli.ts', import.meta.url).href;
const MB = 1000 * 1000;
let dir: string;
let script: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgebench-zip-bomb-'));
  // bin.js's main, plus the process's peak memory on the last line of stderr.
  script = join(dir, 'bench-rss.mjs');
  writeFileSync(
    script,
    `const { main } = await import(${JSON.stringify(CLI)});\nprocess.exitCode = await main(process.argv.slice(2));\nprocess.stderr.write('maxRSS ' + process.resourceUsage().maxRSS + '\\n');\n`,
  );
  await tf.setBackend('cpu');
  const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3 }), tf.layers.globalAveragePooling2d({}), tf.layers.dense({ units: 3, activation: 'softmax' })] });
  const file = tfliteWithSupportMetadata(model, { imageSize: 8, mean: [127.5], std: [127.5], labels: [], packLabels: false });
  model.dispose();
  const bomb = await deflatedZeros(400);
  // Declaring the truth (refused unread) and lying small (stopped at the declared size).
  writeFileSync(join(dir, 'honest-bomb.tflite'), appended(file, deflatedZip('labels.txt', bomb, 400 * 1024 * 1024)));
  writeFileSync(join(dir, 'lying-bomb.tflite'), appended(file, deflatedZip('labels.txt', bomb, 14)));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function bench(args: string[]): { status: number | null; lines: string[]; maxRssMb: number } {
  const result = spawnSync(process.execPath, ['--import', TS_LOADER, script, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  const lines = result.stderr.trim().split('\n');
  const rss = /^maxRSS (\d+)$/.exec(lines.at(-1) ?? '');
  assert.ok(rss, `the child reported its memory:\n${result.stderr}`);
  // maxRSS is in kilobytes.
  return { status: result.status, lines: lines.slice(0, -1), maxRssMb: (Number(rss[1]) * 1024) / MB };
}

test('bench inspect on the bomb: the metadata is named unreadable in one line, the rest described, under 500 MB', () => {
  for (const [file, reason] of [
    ['honest-bomb.tflite', /TFLite Support metadata: unreadable \(zip entry labels\.txt declares 419430400 bytes \(400 MiB\), over the 16 MiB read for it\)$/],
    ['lying-bomb.tflite', /TFLite Support metadata: unreadable \(zip entry labels\.txt inflates to more than the 14 bytes it declares\)$/],
  ] as const) {
    const result = bench(['inspect', join(dir, file)]);
    assert.equal(result.status, 0, result.lines.join('\n'));
    assert.equal(result.lines.filter((line) => reason.test(line)).length, 1, result.lines.join('\n'));
    assert.ok(!result.lines.some((line) => /^\s+at /.test(line)), 'no stack trace');
    assert.ok(result.maxRssMb < 500, `${file}: peak memory ${result.maxRssMb.toFixed(0)} MB`);
  }
});

test('bench run --model on the bomb: the model is skipped with one line naming it, and no model left is an error', () => {
  const file = join(dir, 'lying-bomb.tflite');
  const result = bench(['run', '--model', file, '--targets', 'node', '--out', join(dir, '.bench')]);
  assert.equal(result.status, 1, result.lines.join('\n'));
  assert.deepEqual(
    result.lines.filter((line) => /^(warning|error):/.test(line)),
    [
      `warning: ${file}: skipped, ${file}: its TFLite Support metadata cannot be read: zip entry labels.txt inflates to more than the 14 bytes it declares`,
      'error: nothing to benchmark: the model given could not be imported (see the warning above)',
    ],
  );
  assert.ok(!result.lines.some((line) => /^\s+at /.test(line)), 'no stack trace');
  assert.ok(result.maxRssMb < 500, `peak memory ${result.maxRssMb.toFixed(0)} MB`);
});
