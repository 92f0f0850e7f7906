/**
 * A device farm's credentials (in `--appium-url` and in capabilities) never
 * reach the disk or the terminal: a real `bench run` on the Node target plus
 * a farm phone whose session fails (the failure message quotes the URL),
 * then `bench report` as HTML, markdown and JSON, `bench history --json` and
 * `bench devices` with a URL that does not parse. Every byte written under
 * the out folder and every line printed is searched for the secrets.
 * The run (it holds the secrets) is a process of its own; the report and
 * history commands run in this process, which never saw the run's secrets,
 * as a fresh process would not, and then `bench devices` (last: it holds the
 * unparseable URL's key), with the fake adb's client first on this
 * process's PATH while it runs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fakeAdbServer, SERVED_ADB_DIR } from '../fixtures/fake-adb/adb-server.ts';
import { fakeAdb } from '../fixtures/fake-adb/fake-device.ts';
import { makeTinyReferenced } from '../helpers/tiny-referenced.ts';
import { BENCH_NODE_ARGS } from '../helpers/bench-child.ts';
import { bench as benchInProcess } from '../helpers/cli.ts';
import { seedPageBundle } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

const FARM_KEY = 'farmKEY-5f3a9c2e';
const SAUCE_KEY = 'sauceKEY-81d7e0aa';
const BSTACK_KEY = 'bstackKEY-0c4b6d19';
const LT_TOKEN = 'ltTOKEN-77aa31fe';
const UNPARSEABLE_KEY = 'rawKEY-2b9e44c0';
const SECRETS = [FARM_KEY, SAUCE_KEY, BSTACK_KEY, LT_TOKEN, UNPARSEABLE_KEY];

function bench(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...BENCH_NODE_ARGS, ...args], { cwd, env: { ...env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 }, (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

test('farm credentials never appear in run.json, report.html, markdown, JSON, --json or the logs', async () => {
  const cwd = await tempDir('secrets');
  const out = join(cwd, 'out');
  // adb on the processes' PATH: the fake's client (fake-adb/adb-server.ts).
  const server = await fakeAdbServer();
  try {
    // The page bundle linked in, as in every phone and browser test: the farm phone's page server starts before
    // its session fails, and in a fresh out folder it ran esbuild over TF.js and LiteRT.js (~4 CPU s) for nothing here.
    await makeTinyReferenced(out);
    await seedPageBundle(out);
    const adb = await fakeAdb([]);
    const env = { ...process.env, ...server.env, PATH: `${SERVED_ADB_DIR}:${process.env.PATH}`, FAKE_ADB_STATE: adb.dir };
    // Outside --out: the user's own file is theirs to keep secrets in.
    await writeFile(
      join(cwd, 'bench.config.json'),
      JSON.stringify({
        android: {
          // Not attached to this host's adb: a phone on the farm, reached through the Appium URL.
          devices: ['Pixel 8'],
          capabilities: {
            'appium:automationName': 'Chromium',
            'sauce:options': { username: 'jane', accessKey: SAUCE_KEY },
            'bstack:options': { userName: 'jane', accessKey: BSTACK_KEY },
            'lt:token': LT_TOKEN,
          },
        },
      }),
    );
    const printed: string[] = [];
    // Port 9 on loopback refuses at once: the session fails with a message naming the server.
    const run = await bench(
      ['run', '--out', out, '--model', 'tiny', '--targets', 'node,android', '--backends', 'tfjs-cpu', '--min-samples', '3', '--min-time', '0', '--warmup', '0', '--rounds', '1', '--verbose', '--json', '--appium-url', `https://jane:${FARM_KEY}@127.0.0.1:9/wd/hub`],
      cwd,
      env,
    );
    printed.push(run.stdout, run.stderr);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { record: string; failures: { error: string }[] };
    assert.ok(result.failures.some((failure) => failure.error.includes('https://<redacted>@127.0.0.1:9/wd/hub')), 'the farm job failed, naming the server without its key');
    const record = JSON.parse(await readFile(result.record, 'utf8')) as { config: { android: { appiumUrl: string; capabilities: Record<string, unknown> } } };
    assert.equal(record.config.android.appiumUrl, 'https://<redacted>@127.0.0.1:9/wd/hub');
    assert.deepEqual(record.config.android.capabilities['sauce:options'], { username: 'jane', accessKey: '<redacted>' });

    for (const args of [['report'], ['report', '--format', 'md'], ['report', '--format', 'json'], ['report', '--format', 'md', '--output', join(out, 'summary.md')], ['history', '--json']]) {
      const rendered = await benchInProcess([...args, '--out', out, '--verbose'], { cwd });
      assert.equal(rendered.code, 0, `${args.join(' ')}: ${rendered.stderr}`);
      printed.push(rendered.stdout, rendered.stderr);
    }
    // A URL that does not parse is printed as <redacted url>, never echoed.
    await writeFile(join(cwd, 'farm.config.json'), JSON.stringify({ android: { devices: ['Pixel 8'], appiumUrl: `https://jane:${UNPARSEABLE_KEY}@hub farm/wd/hub` } }));
    const saved = { PATH: process.env.PATH, FAKE_ADB_STATE: process.env.FAKE_ADB_STATE, FAKE_ADB_PORT: process.env.FAKE_ADB_PORT };
    Object.assign(process.env, { PATH: env.PATH, FAKE_ADB_STATE: env.FAKE_ADB_STATE, ...server.env });
    // What anything in this process writes past the CLI's output while the command runs is searched too, as a child's would be.
    const written: string[] = [];
    const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
    for (const stream of ['stdout', 'stderr'] as const) {
      process[stream].write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        written.push(String(chunk));
        return writes[stream].call(process[stream], chunk, ...rest);
      }) as typeof process.stdout.write;
    }
    let devices: { stdout: string; stderr: string };
    try {
      devices = await benchInProcess(['devices', '--targets', 'android', '--out', out, '--verbose', '--json', '--config', 'farm.config.json'], { cwd });
    } finally {
      process.stdout.write = writes.stdout;
      process.stderr.write = writes.stderr;
      printed.push(...written);
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    printed.push(devices.stdout, devices.stderr);
    assert.match(devices.stdout + devices.stderr, /<redacted url>/);

    const files = await filesUnder(out);
    assert.ok(files.some((file) => file.endsWith('report.html')) && files.some((file) => file.endsWith('summary.md')) && files.some((file) => file.endsWith('run.json')));
    for (const file of files) {
      const text = await readFile(file, 'latin1');
      for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} written to ${file}`);
    }
    const output = printed.join('\n');
    assert.ok(output.includes('tfjs-cpu'), 'the run printed its summary');
    for (const secret of SECRETS) assert.ok(!output.includes(secret), `${secret} printed`);
  } finally {
    await server.close();
    await rm(cwd, { recursive: true, force: true });
  }
});
