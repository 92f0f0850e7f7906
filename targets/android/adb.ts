/**
 * adb as child processes. The executable is passed in (config `android.adb`,
 * default `adb` on PATH), never looked up from a global, so tests hand in a
 * fake one. Every call has a timeout; output is parsed by ./adb-parsers.ts.
 */
import { execFile } from 'node:child_process';
import { DEFAULT_TIMEOUTS, type Timeouts } from '../../harness/core/config.ts';
import { UserError } from '../../harness/core/errors.ts';
import { parseBattery, parseCpuRange, parseDevices, parseForwardList, parseForwardPort, parseGetprop, parseReverseList, parseThermal, type AdbDeviceEntry, type BatteryState, type ForwardRule, type ThermalState } from './adb-parsers.ts';
import { firstLine } from '../../harness/core/format.ts';

/** adb itself could not be run. */
export class AdbNotFoundError extends UserError {
  override name = 'AdbNotFoundError';
  constructor(readonly executable: string) {
    super(`adb not found (tried "${executable}"): apt-get install adb, or set android.adb to its path`, 'ADB_NOT_FOUND');
  }
}

/** The device went away (unplugged, adb restarted, went offline) while we talked to it. */
export class DeviceDisconnectedError extends Error {
  override name = 'DeviceDisconnectedError';
  constructor(
    readonly serial: string,
    detail?: string,
  ) {
    super(`device ${serial} disconnected${detail ? ` (${detail})` : ''}: replug it and rerun; its remaining jobs fail`);
  }
}

/** An adb command that ran and failed for another reason. */
export class AdbCommandError extends Error {
  override name = 'AdbCommandError';
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    message: string,
  ) {
    super(message);
  }
}

/** What adb prints when the device is gone or unusable mid-session. */
const GONE = /device '[^']*' not found|device offline|no devices\/emulators found|error: closed|device unauthorized|device still authorizing|protocol fault|no such device/i;

export function isDisconnectMessage(text: string): boolean {
  return GONE.test(text);
}

export interface AdbCallOptions {
  /** Default `timeouts.android.adbMs`: queries are quick; pushes and benchmark runs pass their own. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Adb {
  readonly executable: string;
  /** The environment adb runs in (its server port, a fake's state folder): the exit guard's synchronous calls use it too. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs `adb <args>` and returns stdout; throws AdbNotFoundError, DeviceDisconnectedError or AdbCommandError. */
  exec(args: string[], options?: AdbCallOptions): Promise<string>;
  devices(options?: AdbCallOptions): Promise<AdbDeviceEntry[]>;
  /** `adb -s <serial> shell <command>`; the command is one string run by the phone's shell. */
  shell(serial: string, command: string, options?: AdbCallOptions): Promise<string>;
  getprops(serial: string): Promise<Record<string, string>>;
  battery(serial: string): Promise<BatteryState | null>;
  thermal(serial: string): Promise<ThermalState | null>;
  cpuCount(serial: string): Promise<number | undefined>;
  /** `adb -s <serial> get-state`: `device` when usable. */
  state(serial: string): Promise<string>;
  /** The phone's `localhost:<port>` reaches the host's `localhost:<port>`. */
  reverse(serial: string, port: number): Promise<void>;
  removeReverse(serial: string, port: number): Promise<void>;
  /** `adb forward tcp:0 <remote>`: a free host port that reaches `remote` on the phone (e.g. `localabstract:chrome_devtools_remote`). */
  forward(serial: string, remote: string): Promise<number>;
  removeForward(serial: string, port: number): Promise<void>;
  /** `adb forward --list`: the host's forward rules, every device's. */
  forwardList(serial: string): Promise<ForwardRule[]>;
  /** `adb -s <serial> reverse --list`: the phone's reverse rules. */
  reverseList(serial: string): Promise<Array<{ remote: string; local: string }>>;
  push(serial: string, local: string, remote: string, options?: AdbCallOptions): Promise<void>;
}

/**
 * The error of an adb call that did not succeed: the device gone (its output
 * says so), a timeout, or the command's own failure with its first line.
 */
export function adbCallError(args: string[], result: { exitCode: number | null; stdout: string; stderr: string; message?: string; timedOutAfterMs?: number }): Error {
  const { exitCode, stdout, stderr } = result;
  const serial = args[0] === '-s' ? args[1] : undefined;
  if (serial && isDisconnectMessage(`${stderr}\n${stdout}`)) return new DeviceDisconnectedError(serial, firstLine(stderr) || firstLine(stdout));
  const what = `adb ${args.join(' ')}`;
  const message =
    result.timedOutAfterMs !== undefined
      ? `${what} timed out after ${Math.round(result.timedOutAfterMs / 1000)} s`
      : `${what} failed (exit ${exitCode ?? 'signal'}): ${firstLine(stderr) || firstLine(stdout) || result.message || 'no output'}`;
  return new AdbCommandError(args, exitCode, stdout, stderr, message);
}

export interface CreateAdbOptions {
  /** adb executable: a name on PATH or a path. Default `adb`. */
  executable?: string;
  /** Environment for adb (tests point a fake adb at its state folder). Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Bounds of adb calls (config `timeouts.android`): any call, get-state, push. Default: the config's defaults. */
  timeouts?: Pick<Timeouts['android'], 'adbMs' | 'adbStateMs' | 'adbPushMs'>;
}

/** Quotes one argument for the phone's /system/bin/sh. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function createAdb(options: CreateAdbOptions = {}): Adb {
  const executable = options.executable ?? 'adb';
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS.android;
  const env = options.env ?? process.env;
  const exec = (args: string[], call: AdbCallOptions = {}): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(
        executable,
        args,
        { timeout: call.timeoutMs ?? timeouts.adbMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', env, ...(call.signal ? { signal: call.signal } : {}) },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT' || code === 'EACCES') return reject(new AdbNotFoundError(executable));
          // Ctrl-C: an AbortError, which the orchestrator tells apart from a failed job.
          if (code === 'ABORT_ERR' || error.name === 'AbortError') return reject(error);
          const killed = (error as { killed?: boolean }).killed;
          const exitCode = typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null;
          reject(adbCallError(args, { exitCode, stdout, stderr, message: error.message, ...(killed ? { timedOutAfterMs: call.timeoutMs ?? timeouts.adbMs } : {}) }));
        },
      );
    });

  return adbCommands({ executable, env, exec, timeouts });
}

/**
 * The Adb commands over one way of running `adb <args>`: the child process of
 * `createAdb`, or a test's in-process fake. `exec` throws AdbNotFoundError,
 * DeviceDisconnectedError or AdbCommandError as `Adb.exec` documents.
 */
export function adbCommands({ executable, env, exec, timeouts }: { executable: string; env: NodeJS.ProcessEnv; exec: Adb['exec']; timeouts: Pick<Timeouts['android'], 'adbStateMs' | 'adbPushMs'> }): Adb {
  const shell = (serial: string, command: string, call?: AdbCallOptions) => exec(['-s', serial, 'shell', command], call);

  return {
    executable,
    env,
    exec,
    devices: async (call) => parseDevices(await exec(['devices', '-l'], call)),
    shell,
    getprops: async (serial) => parseGetprop(await shell(serial, 'getprop')),
    battery: async (serial) => parseBattery(await shell(serial, 'dumpsys battery')),
    // Old Android has no thermalservice; dumpsys then says so on stdout and may exit non-zero.
    thermal: async (serial) =>
      parseThermal(
        await shell(serial, 'dumpsys thermalservice').catch((error: unknown) => {
          if (error instanceof AdbCommandError) return error.stdout;
          throw error;
        }),
      ),
    cpuCount: async (serial) => parseCpuRange(await shell(serial, 'cat /sys/devices/system/cpu/present')),
    state: async (serial) => (await exec(['-s', serial, 'get-state'], { timeoutMs: timeouts.adbStateMs })).trim(),
    reverse: async (serial, port) => void (await exec(['-s', serial, 'reverse', `tcp:${port}`, `tcp:${port}`])),
    removeReverse: async (serial, port) => void (await exec(['-s', serial, 'reverse', '--remove', `tcp:${port}`])),
    forward: async (serial, remote) => {
      const printed = await exec(['-s', serial, 'forward', 'tcp:0', remote]);
      const port = parseForwardPort(printed);
      if (port === undefined) throw new AdbCommandError(['-s', serial, 'forward', 'tcp:0', remote], 0, printed, '', `adb forward tcp:0 ${remote} printed no port: ${firstLine(printed) || '(nothing)'}`);
      return port;
    },
    removeForward: async (serial, port) => void (await exec(['-s', serial, 'forward', '--remove', `tcp:${port}`])),
    forwardList: async (serial) => parseForwardList(await exec(['-s', serial, 'forward', '--list'])),
    reverseList: async (serial) => parseReverseList(await exec(['-s', serial, 'reverse', '--list'])),
    push: async (serial, local, remote, call) => void (await exec(['-s', serial, 'push', local, remote], { timeoutMs: timeouts.adbPushMs, ...call })),
  };
}

