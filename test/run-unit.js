// The unit tier's runner: `node test/run-unit.js [--test-name-pattern=…] [files…]` (npm run test:unit).
//
// `node --test` starts one process per file: 159 processes, each paying Node,
// the tests' loader and the test runner (~0.25 s of CPU) and importing again
// what its neighbours imported (zod, the harness's core, TF.js for ~20 files)
// before its first line: about half of the tier's CPU time was that start
// (docs/testing.md, "What every test process pays"). The unit files are pure
// logic on small data, so here two processes (EDGEBENCH_UNIT_PROCESSES) each
// run files one after the other, every file one suite named after it
// (test/unit-worker.js), taking the next file when one is done. A file that
// must have a fresh process (a signal, exit, the secrets registry's first
// state) spawns one itself, as the e2e files do.
//
// Each process's report (spec) is printed whole when it ends; a line per
// file as it ends shows progress and which file a hang is in.
import { Buffer } from 'node:buffer';
import { fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const UNIT = join(ROOT, 'test', 'unit');

const processes = Number(process.env.EDGEBENCH_UNIT_PROCESSES ?? 2);
if (!Number.isInteger(processes) || processes < 1) {
  console.error(`EDGEBENCH_UNIT_PROCESSES must be a whole number ≥ 1, not ${process.env.EDGEBENCH_UNIT_PROCESSES}`);
  process.exit(2);
}

// Flags (`--test-name-pattern=…`, `--test-only`) go to each process as `node --test` took them; the rest name files.
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const named = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const files = named.length ? named.map((file) => resolve(file)) : readdirSync(UNIT).filter((name) => name.endsWith('.test.ts')).sort().map((name) => join(UNIT, name));
const queue = [...files];
const running = new Set();
/** Each file's seconds, in the order they ended. */
const seconds = [];

/** A spec reporter summary count (`ℹ pass 12`) of one process's output. */
function count(output, name) {
  const match = new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(output);
  return match ? Number(match[1]) : 0;
}

/** One process: files from the queue until none is left; resolves with its output, exit and counts. */
function runProcess() {
  const child = fork(join(ROOT, 'test', 'unit-worker.js'), [], { cwd: ROOT, execArgv: ['--import', './test/ts-loader.js', '--test-reporter=spec', ...flags], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  running.add(child);
  const chunks = [];
  child.stdout.on('data', (chunk) => chunks.push(chunk));
  child.stderr.on('data', (chunk) => chunks.push(chunk));
  let current;
  const next = () => {
    const file = queue.shift();
    if (!file) return child.disconnect();
    current = { file, started: Date.now() };
    child.send(file);
  };
  child.on('message', (message) => {
    if (message.done && current) {
      const took = (Date.now() - current.started) / 1000;
      seconds.push([relative(ROOT, current.file), took]);
      console.log(`${took.toFixed(1).padStart(6)} s  ${relative(ROOT, current.file)}`);
    }
    if (message.ready || message.done) next();
  });
  // Not 'close': after the parent's disconnect() it never came here (Node 20), 'exit' and both streams' ends do.
  const ended = Promise.all([child.stdout, child.stderr].map((stream) => new Promise((resolve) => stream.on('close', resolve))));
  return new Promise((resolve) => {
    child.on('exit', async (code, signal) => {
      await ended;
      running.delete(child);
      const output = Buffer.concat(chunks).toString('utf8');
      resolve({ output, exit: signal ?? code, tests: count(output, 'tests'), fail: count(output, 'fail'), unfinished: current && !seconds.some(([file]) => file === relative(ROOT, current.file)) ? relative(ROOT, current.file) : undefined });
    });
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) child.kill(signal);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

const started = Date.now();
console.log(`${files.length} unit files in ${Math.min(processes, files.length)} processes`);
const results = await Promise.all(Array.from({ length: Math.min(processes, files.length) }, runProcess));
for (const result of results) console.log(`\n${result.output.trimEnd()}`);
const tests = results.reduce((sum, result) => sum + result.tests, 0);
const failed = results.reduce((sum, result) => sum + result.fail, 0);
const broken = results.filter((result) => result.exit !== 0);
console.log(`\n${seconds.length} of ${files.length} files, ${tests} tests, ${failed} failed, ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`slowest: ${[...seconds].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([file, took]) => `${file.replace(/^test\/unit\//, '').replace(/\.test\.ts$/, '')} ${took.toFixed(1)} s`).join(', ')}`);
for (const result of results) if (result.unfinished) console.log(`UNFINISHED: ${result.unfinished} (its process exited ${result.exit})`);
process.exit(broken.length || failed || seconds.length < files.length ? 1 : 0);
