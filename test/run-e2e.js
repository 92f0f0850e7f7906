// The e2e tier's runner: `node test/run-e2e.js [files…]` (npm run test:e2e).
//
// Most of the tier's time is spent waiting on one process at a time (a
// browser starting, a worker loading TF.js, Appium getting ready), so two
// files run at once: one lane runs the files that start a browser, a phone
// stand-in or Appium, one after the other (their launch and readiness
// timeouts are the ones that ran out when any two files could meet, under
// `--test-concurrency=2` at load), and the other slot runs the files of
// NODE_ONLY beside it. A file not named there runs in the one-at-a-time lane:
// a new file is never run beside its like until someone says it may.
//
// Each file runs as `node --test` would run it (its own process, the tests'
// loader, TAP), its output kept and printed whole under one line when the file
// ends: the whole output of a file that failed, one line for one that passed.
// EDGEBENCH_E2E_LANES=1 runs every file one at a time, as before.
//
// Each lane starts with its longest files (their seconds in the last whole
// run, test/e2e-seconds.json; a file not listed there counts as longest):
// when the one-at-a-time lane is done it takes the Node-only files left, and
// with the long ones already run both lanes end on short files instead of
// one core idling while the other finishes a 50 s file.
// EDGEBENCH_E2E_RECORD=1 writes the seconds of a whole, green run there.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const E2E = join(ROOT, 'test', 'e2e');

/**
 * Files that start no browser, phone stand-in or Appium: Node runtimes, the
 * CLI, the converter, and the Android logic on a fake adb whose state folder
 * is the file's own (no DevTools page, no Appium server; a farm URL that
 * points at a closed port). They may run beside another file; their out
 * folders, ports and caches are their own (docs/testing.md, "Two e2e files at
 * once").
 */
const NODE_ONLY = new Set([
  'ab-all-baseline', 'ab-command-verdicts', 'ab-node-processes', 'all-streams-model-by-model',
  'bad-input-cli', 'bottlenecks-fast-engine', 'calibrate-command', 'cli-colour-only-on-terminal',
  'config-file-any-module-system', 'convert-checks', 'convert-graph-model-variants',
  'dataset-generate', 'dry-run-lists-jobs',
  'evaluation', 'node-runtimes',
  'node-sustained-series', 'node-webgpu', 'out-folder-cli', 'profile-node',
  'reference-fastest-engine', 'retrain-inputs', 'retrain-mobilenet', 'retrain-workload-node',
  'run-interrupt', 'run-node', 'run-user-model',
  'runtime-sizes', 'tflite-conversion',
  'tflite-retrained', 'user-model-checks', 'user-model-zip-bomb',
  'xnnpack-plugin', 'zoo-url-backbone',
  'android-cdp-chrome-absent', 'android-cooldown', 'android-disconnect', 'android-discovery', 'android-energy-per-inference',
  'android-native', 'profile-phone-op-profiling', 'secrets-never-written',
]);

const lanes = Number(process.env.EDGEBENCH_E2E_LANES ?? 2);
if (!Number.isInteger(lanes) || lanes < 1) {
  console.error(`EDGEBENCH_E2E_LANES must be a whole number ≥ 1, not ${process.env.EDGEBENCH_E2E_LANES}`);
  process.exit(2);
}

const SECONDS = join(ROOT, 'test', 'e2e-seconds.json');
const record = process.env.EDGEBENCH_E2E_RECORD === '1';

/** Each file's seconds in the last recorded run, by name; none where the list is missing or unreadable (the order is then by name). */
function lastSeconds() {
  try {
    const parsed = JSON.parse(readFileSync(SECONDS, 'utf8'));
    return new Map(Object.entries(parsed).filter(([, seconds]) => typeof seconds === 'number' && Number.isFinite(seconds)));
  } catch {
    return new Map();
  }
}

const wholeTier = process.argv.length <= 2;
const seconds = lastSeconds();
const nameOf = (file) => basename(file, '.test.ts');
/** Longest first; a file with no recorded time first of all (a new file's length is unknown, and the end of a lane is the worst place to learn it). */
const longestFirst = (a, b) => (seconds.get(nameOf(b)) ?? Infinity) - (seconds.get(nameOf(a)) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0);
const files = (wholeTier ? readdirSync(E2E).filter((name) => name.endsWith('.test.ts')).sort().map((name) => join(E2E, name)) : process.argv.slice(2));
const beside = files.filter((file) => lanes > 1 && NODE_ONLY.has(nameOf(file))).sort(longestFirst);
const alone = files.filter((file) => !beside.includes(file)).sort(longestFirst);

/** A TAP summary count (`# pass 4`) of one file's output; the root's comes last. */
function count(output, name) {
  const matches = [...output.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))];
  return matches.length ? Number(matches.at(-1)[1]) : 0;
}

const running = new Set();
const results = [];

/** Runs one file as `node --test` runs each of its files; resolves with what it reported. */
function runFile(file) {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', './test/ts-loader.js', '--test-reporter=tap', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const chunks = [];
  child.stdout.on('data', (chunk) => chunks.push(chunk));
  child.stderr.on('data', (chunk) => chunks.push(chunk));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      const output = Buffer.concat(chunks).toString('utf8');
      const result = { file: relative(ROOT, file), seconds: (Date.now() - started) / 1000, tests: count(output, 'tests'), fail: count(output, 'fail'), ok: code === 0 && count(output, 'fail') === 0, exit: signal ?? code };
      results.push(result);
      const line = `${result.ok ? 'ok  ' : 'FAIL'} ${result.seconds.toFixed(1).padStart(6)} s  ${result.file} (${result.tests} tests${result.ok ? '' : `, ${result.fail} failed, exit ${result.exit}`})`;
      console.log(result.ok ? line : `${line}\n${output.replace(/^/gm, '    ')}`);
      resolve();
    });
  });
}

/** One lane: its files one after the other. */
async function lane(queue) {
  while (queue.length) await runFile(queue.shift());
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) child.kill(signal);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

const started = Date.now();
console.log(`${files.length} e2e files: ${alone.length} one at a time (browsers, phone stand-ins, Appium), ${beside.length} beside them (Node only); ${lanes > 1 ? 2 : 1} at once`);
// The one-at-a-time lane, and beside it the Node-only files; once that lane is done, the Node-only files still waiting run two at a time.
const besideQueue = [...beside];
const aloneLane = lane([...alone]).then(() => lane(besideQueue));
await Promise.all([aloneLane, lane(besideQueue)]);

const failed = results.filter((result) => !result.ok);
const tests = results.reduce((sum, result) => sum + result.tests, 0);
console.log(`\n${results.length} files, ${tests} tests, ${failed.length} files failed, ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`slowest: ${[...results].sort((a, b) => b.seconds - a.seconds).slice(0, 8).map((result) => `${basename(result.file, '.test.ts')} ${result.seconds.toFixed(1)} s`).join(', ')}`);
for (const result of failed) console.log(`FAILED: ${result.file}`);
if (record && wholeTier && !failed.length) {
  // One line a file, by name, so a new recording's diff shows what changed.
  const entries = results.map((result) => [nameOf(result.file), Number(result.seconds.toFixed(1))]).sort(([a], [b]) => (a < b ? -1 : 1));
  writeFileSync(`${SECONDS}.tmp`, `{\n${entries.map(([name, value]) => `  ${JSON.stringify(name)}: ${value}`).join(',\n')}\n}\n`);
  renameSync(`${SECONDS}.tmp`, SECONDS);
  console.log(`seconds of ${entries.length} files written to ${relative(ROOT, SECONDS)}`);
} else if (record) {
  console.log(`EDGEBENCH_E2E_RECORD: nothing written (${wholeTier ? 'a file failed' : 'not the whole tier'})`);
}
process.exit(failed.length ? 1 : 0);
