/**
 * The Android target: phones found with adb, benchmarked in two ways.
 *
 * - The page runtimes (`tfjs-wasm`, `tfjs-webgl`, `litert-wasm` …): the shared
 *   benchmark page and protocol (targets/page), unchanged, in Chrome on the phone.
 *   `adb reverse` makes the host's page server the phone's own localhost, and
 *   a WebDriver session (Appium's UiAutomator2 driver, `browserName: Chrome`)
 *   drives the page. The Appium server is started from the project's
 *   dependencies, or is an external server, grid or device farm
 *   (`android.appiumUrl`).
 * - `tflite-benchmark-model`: TFLite's own benchmark tool pushed with adb and
 *   run in the phone's shell (./native.ts).
 *
 * Each phone is a lane: one job at a time on it, phones in parallel. Servers,
 * sessions and reverse rules start lazily with a lane's first job that needs
 * them, so `bench devices` and native-only runs start nothing. A phone that
 * disappears fails its remaining jobs at once; the others go on.
 */
import type { ResolvedConfig } from '../../harness/core/config.ts';
import type { Logger } from '../../harness/core/log.ts';
import type { DeviceInfo, JobPhase, RuntimeSize } from '../../harness/core/record.ts';
import { failed, measured, type KeyOptions } from '../result.ts';
import type { PageServer } from '../page/index.ts';
import { expectedKeyOptions, requestedThreads, toJobResult } from '../page/mapping.ts';
import { isPageRuntime, PAGE_RUNTIMES, type PageCapabilities } from '../page/app/protocol.ts';
import type { DiscoveredDevice, Job, JobResult, RuntimeStatus, Target, TargetContext } from '../types.ts';
import { AdbCommandError, createAdb, DeviceDisconnectedError, type Adb } from './adb.ts';
import { driverProblem, startAppiumServer, type AppiumServer, type StartAppiumOptions } from './appium-server.ts';
import type { BenchmarkDelegate } from './benchmark-model.ts';
import { automationNameOf, browserPackage, insecureFeaturesFor, redactUrl, sessionCapabilities } from './capabilities.ts';
import { waitForCooldown } from './cooldown.ts';
import { discoverAndroid } from './discover.ts';
import { latencySource, measurementFields, NATIVE_RUNTIME, runBenchmarkModel } from './native.ts';
import { openPageSession, type OpenPageSessionOptions, type PageSession } from './page-session.ts';

export { createAdb, AdbNotFoundError, DeviceDisconnectedError, type Adb } from './adb.ts';
export { discoverAndroid } from './discover.ts';
export { startAppiumServer, findAppium, driverProblem, type AppiumServer } from './appium-server.ts';
export { phoneCapabilities, sessionCapabilities } from './capabilities.ts';
export { parseBenchmarkModelOutput } from './benchmark-model.ts';
export { NATIVE_RUNTIME } from './native.ts';

export interface AndroidTargetOptions {
  /** adb wrapper; default `createAdb({ executable: config.android.adb })`. */
  adb?: Adb;
  /** Starts the harness's own Appium server (when no android.appiumUrl). */
  startAppium?: (options: StartAppiumOptions) => Promise<AppiumServer>;
  /** Opens a WebDriver session on the page. */
  openSession?: (options: OpenPageSessionOptions) => Promise<PageSession>;
  /** Starts the page server; default targets/page's `startPageServer`. */
  startPageServer?: (out: string) => Promise<PageServer>;
  /** Called when a job on a phone enters a phase (tests kill the browser with it). */
  onPhase?: (serial: string, phase: JobPhase) => void;
  /** Cool-down poll interval, default 5 s. */
  cooldownPollMs?: number;
  /** Environment for Appium lookups (APPIUM_HOME). */
  env?: NodeJS.ProcessEnv;
}

/** Everything one phone holds during a run. */
interface Lane {
  serial: string;
  /** Behind an external Appium only (not on this host's adb): no reverse, no adb state. */
  remote: boolean;
  /** Set once the phone went away: the reason every later job fails with. */
  gone?: string;
  /** The tail of this phone's job queue. */
  queue: Promise<unknown>;
  jobsRun: number;
  pushed: Set<string>;
  reversedPort?: number;
  session?: PageSession;
  pageCaps?: PageCapabilities;
  pageStatuses?: RuntimeStatus[];
}

/** A failed job on a phone, keyed with these options. */
function failedWith(job: Job, options: KeyOptions, phase: JobPhase, error: unknown): JobResult {
  return failed({ job, target: 'android', options }, phase, error);
}

/** Battery and thermal state right now, for `deviceState.before/after`. */
async function readDeviceState(adb: Adb, serial: string): Promise<Record<string, unknown>> {
  const [battery, thermal] = await Promise.all([adb.battery(serial), adb.thermal(serial)]);
  return {
    at: new Date().toISOString(),
    ...(battery ? { batteryLevel: battery.level, charging: battery.charging, ...(battery.temperatureC !== undefined ? { batteryTemperatureC: battery.temperatureC } : {}) } : {}),
    ...(thermal ? { thermalStatus: thermal.statusName, maxTemperatureC: thermal.maxTemperatureC } : {}),
  };
}

/** Whether the browser app still runs on the phone: pidof exits 1 when it does not; undefined when adb cannot tell. */
async function browserRunning(adb: Adb, serial: string, pkg: string): Promise<boolean | undefined> {
  try {
    return (await adb.shell(serial, `pidof ${pkg}`, { timeoutMs: 5_000 })).trim().length > 0;
  } catch (error) {
    if (error instanceof DeviceDisconnectedError) return false;
    if (error instanceof AdbCommandError && error.exitCode === 1 && !error.stdout.trim()) return false;
    return undefined;
  }
}

/** The android block of DeviceInfo updated with the state before a job. */
function withState(device: DeviceInfo, before: Record<string, unknown>): DeviceInfo {
  if (!device.android) return device;
  const android = { ...device.android };
  if (typeof before.batteryLevel === 'number') {
    android.battery = {
      level: before.batteryLevel,
      charging: before.charging === true,
      ...(typeof before.batteryTemperatureC === 'number' ? { temperatureC: before.batteryTemperatureC } : {}),
    };
  }
  if (typeof before.thermalStatus === 'string') android.thermalStatus = before.thermalStatus;
  return { ...device, android };
}

export function createAndroidTarget(options: AndroidTargetOptions = {}): Target {
  const lanes = new Map<string, Lane>();
  let adb: Adb | undefined = options.adb;
  let appium: Promise<AppiumServer> | undefined;
  let pageServer: Promise<PageServer> | undefined;
  let log: Logger | undefined;

  const adbFor = (config: ResolvedConfig): Adb => (adb ??= createAdb({ executable: config.android.adb }));
  const laneFor = (device: DeviceInfo): Lane => {
    let lane = lanes.get(device.id);
    if (!lane) {
      lane = { serial: device.id, remote: device.extra?.remote === true, queue: Promise.resolve(), jobsRun: 0, pushed: new Set() };
      lanes.set(device.id, lane);
    }
    return lane;
  };

  /** The page server, started once for every phone. */
  const ensurePageServer = (out: string): Promise<PageServer> => {
    pageServer ??= (async () => {
      if (options.startPageServer) return options.startPageServer(out);
      const browser = await import('../page/index.ts');
      return browser.startPageServer(out);
    })();
    return pageServer;
  };

  /** The Appium URL: the configured one, else the harness's own server, started once. */
  const appiumUrl = async (config: ResolvedConfig, context: TargetContext): Promise<string> => {
    if (config.android.appiumUrl) return config.android.appiumUrl;
    const capabilities = sessionCapabilities('-', config.android.capabilities);
    const problem = driverProblem(automationNameOf(capabilities) ?? 'UiAutomator2', options.env);
    if (problem) throw new Error(problem);
    const start = () => (options.startAppium ?? startAppiumServer)({ log: context.log, allowInsecure: insecureFeaturesFor(capabilities), ...(options.env ? { env: options.env } : {}) });
    appium ??= start();
    const server = await appium;
    if (server.running) return server.url;
    // It crashed (a driver bug can take it down with a dying browser): one fresh server for the jobs left.
    context.log.warn(`the Appium server on ${server.url} exited; starting a new one`);
    appium = start();
    return (await appium).url;
  };

  /** A live session on this phone with the page's capabilities read, opening one when needed. */
  const ensureSession = async (lane: Lane, context: TargetContext): Promise<PageSession> => {
    if (lane.session?.alive) return lane.session;
    await lane.session?.close();
    lane.session = undefined;
    const { config } = context;
    const server = await ensurePageServer(context.out);
    if (!lane.remote && lane.reversedPort !== server.server.port) {
      await adbFor(config).reverse(lane.serial, server.server.port);
      lane.reversedPort = server.server.port;
    }
    // A farm's tunnel forwards `localhost`, the name its docs use; both are this host to a phone on adb reverse.
    const pageUrl = lane.remote ? server.pageUrl.replace('//127.0.0.1:', '//localhost:') : server.pageUrl;
    const url = await appiumUrl(config, context);
    const capabilities = sessionCapabilities(lane.serial, config.android.capabilities);
    let session: PageSession;
    try {
      session = await (options.openSession ?? openPageSession)({ url, capabilities, pageUrl, log: context.log });
    } catch (error) {
      const message = (error as Error).message;
      const hint = /could not find a driver|no driver/i.test(message) ? ` (${driverProblem(automationNameOf(capabilities) ?? 'UiAutomator2', options.env) ?? 'install the driver on that server'})` : '';
      throw new Error(`cannot open a WebDriver session on ${lane.serial} through ${redactUrl(url)}: ${message.split('\n')[0]}${hint}`);
    }
    lane.session = session;
    lane.pageCaps = await session.capabilities();
    const { runtimeStatuses } = await import('../page/runtimes.ts');
    const { packageVersion } = await import('../page/assets.ts');
    lane.pageStatuses = runtimeStatuses(lane.pageCaps, { tfjs: packageVersion('@tensorflow/tfjs-core'), litert: packageVersion('@litertjs/core') });
    context.log.debug(`${lane.serial}: ${session.browser.name} ${session.browser.version} session open`);
    return session;
  };

  const runPage = async (lane: Lane, job: Job, context: TargetContext): Promise<JobResult> => {
    const browser = await import('../page/index.ts');
    let session: PageSession;
    try {
      session = await ensureSession(lane, context);
    } catch (error) {
      return failedWith(job, { ...job.runtimeOptions }, 'setup', error);
    }
    const caps = lane.pageCaps!;
    const threads = requestedThreads(job, context.config.run.threads, caps);
    const expected = expectedKeyOptions(job, threads, caps);
    const status = lane.pageStatuses?.find((candidate) => candidate.runtime === job.runtime);
    if (status && !status.available) return failedWith(job, expected, 'setup', new Error(`${job.runtime} is unavailable in ${session.browser.name} on ${lane.serial}: ${status.reason}`));
    let result: JobResult;
    try {
      const server = await ensurePageServer(context.out);
      const pageJob = await browser.preparePageJob(server.server, job, { threads });
      const chrome = browserPackage(sessionCapabilities(lane.serial, context.config.android.capabilities));
      const pageResult = await session.run(pageJob, {
        timeoutMs: context.config.run.jobTimeoutMs,
        signal: context.signal,
        ...(lane.remote ? {} : { isAlive: () => browserRunning(adbFor(context.config), lane.serial, chrome) }),
        onPhase: (phase) => {
          context.log.debug(`${lane.serial} ${job.artifact.id} ${job.runtime}: ${phase}`);
          options.onPhase?.(lane.serial, phase);
        },
      });
      result = toJobResult(job, 'android', pageResult, expected);
    } catch (error) {
      return failedWith(job, expected, 'setup', error);
    }
    if (!result.ok) return result;
    const measurement = result.measurement;
    measurement.device = {
      ...measurement.device,
      browser: { name: session.browser.name, version: session.browser.version, userAgent: caps.userAgent },
      gpu: {
        ...(caps.webgl.vendor ? { vendor: caps.webgl.vendor } : {}),
        ...(caps.webgl.renderer ? { renderer: caps.webgl.renderer } : {}),
        ...(caps.webgpu.adapter ? { adapter: [caps.webgpu.vendor, caps.webgpu.architecture, caps.webgpu.device].filter(Boolean).join(' ') } : {}),
      },
      extra: { ...measurement.device.extra, crossOriginIsolated: caps.crossOriginIsolated },
    };
    return result;
  };

  const runNative = async (lane: Lane, job: Job, context: TargetContext): Promise<JobResult> => {
    const { config } = context;
    const delegateOption = job.runtimeOptions.delegate;
    const delegate: BenchmarkDelegate = delegateOption === 'gpu' || delegateOption === 'none' ? delegateOption : 'xnnpack';
    const ownThreads = job.runtimeOptions.threads;
    // Four threads unless told otherwise: all cores of a big.LITTLE phone are usually slower than its big ones.
    const threads = typeof ownThreads === 'number' && ownThreads >= 1 ? Math.floor(ownThreads) : (config.run.threads ?? Math.min(4, job.device.cores ?? 4));
    const keyOptions: KeyOptions = { ...job.runtimeOptions, threads, delegate };
    const binary = config.android.tfliteBenchmarkBinary;
    if (!binary) return failedWith(job, keyOptions, 'setup', new Error(`${NATIVE_RUNTIME} needs --tflite-benchmark-binary (android.tfliteBenchmarkBinary)`));
    if (job.artifact.format !== 'tflite') return failedWith(job, keyOptions, 'setup', new Error(`${NATIVE_RUNTIME} runs .tflite artifacts, not ${job.artifact.id}`));
    if (job.kernel.batchSize !== 1) {
      return failedWith(job, keyOptions, 'setup', new Error(`${NATIVE_RUNTIME} runs the model's own input shape (batch 1); batch ${job.kernel.batchSize} is measured by the page runtimes only`));
    }
    const startedAt = new Date().toISOString();
    try {
      const { parsed, command } = await runBenchmarkModel({
        adb: adbFor(config),
        serial: lane.serial,
        binary,
        job,
        threads,
        delegate,
        timeoutMs: config.run.jobTimeoutMs,
        signal: context.signal,
        pushed: lane.pushed,
      });
      const device = {
        ...job.device,
        extra: {
          ...job.device.extra,
          backend: delegate === 'gpu' ? 'TFLite GPU delegate' : delegate === 'xnnpack' ? 'TFLite XNNPACK' : 'TFLite builtin kernels',
          threads,
          latencySource: latencySource(parsed.runs),
          command,
          ...(parsed.delegateNotes.length ? { delegate: parsed.delegateNotes.join(' | ') } : {}),
        },
      };
      return measured({ job, target: 'android', options: keyOptions }, measurementFields(parsed), { device, startedAt });
    } catch (error) {
      // Which phase failed is unknown inside the tool; a failed push is setup, anything later the load.
      const phase: JobPhase = error instanceof AdbCommandError && error.args.includes('push') ? 'setup' : 'load';
      return failedWith(job, keyOptions, phase, error);
    }
  };

  /** After a failure: is the phone still there? If not, the lane is gone and the failure says so. */
  const checkStillThere = async (lane: Lane, config: ResolvedConfig, result: JobResult): Promise<JobResult> => {
    if (result.ok) return result;
    let state: string;
    try {
      state = await adbFor(config).state(lane.serial);
    } catch (error) {
      state = error instanceof DeviceDisconnectedError ? 'gone' : `unknown (${(error as Error).message})`;
    }
    // Only a phone adb no longer sees (or sees offline/unauthorized) is gone; an adb hiccup proves nothing.
    if (state === 'device' || state.startsWith('unknown')) return result;
    lane.gone = new DeviceDisconnectedError(lane.serial).message;
    await lane.session?.close();
    lane.session = undefined;
    result.failure.error = { ...result.failure.error, name: 'DeviceDisconnectedError', message: `${lane.gone}; the job failed with: ${result.failure.error.message}` };
    return result;
  };

  const runOnLane = async (lane: Lane, job: Job, context: TargetContext): Promise<JobResult> => {
    const { config } = context;
    const unknownOptions = { ...job.runtimeOptions };
    if (lane.gone) return failedWith(job, unknownOptions, 'setup', new DeviceDisconnectedError(lane.serial));
    if (context.signal.aborted) return failedWith(job, unknownOptions, 'setup', Object.assign(new Error('interrupted before the job started'), { name: 'AbortError' }));
    if (job.runtime !== NATIVE_RUNTIME && !isPageRuntime(job.runtime)) {
      return failedWith(job, unknownOptions, 'setup', new Error(`the android target has no runtime "${job.runtime}" (it has ${[...PAGE_RUNTIMES, NATIVE_RUNTIME].join(', ')})`));
    }
    if (lane.remote) {
      if (job.runtime === NATIVE_RUNTIME) return failedWith(job, unknownOptions, 'setup', new Error(`${NATIVE_RUNTIME} needs ${lane.serial} on this host's adb`));
      lane.jobsRun += 1;
      return runPage(lane, job, context);
    }
    const device = adbFor(config);
    let cooldownMs: number | undefined;
    try {
      if (config.android.cooldown.enabled && lane.jobsRun > 0) {
        const cooled = await waitForCooldown({ readThermal: () => device.thermal(lane.serial), maxWaitMs: config.android.cooldown.maxWaitMs, ...(options.cooldownPollMs ? { pollMs: options.cooldownPollMs } : {}) });
        cooldownMs = cooled.waitedMs;
        if (!cooled.cool) context.log.warn(`${lane.serial} still ${cooled.status} after ${Math.round(cooled.waitedMs / 1000)} s of cool-down (android.cooldown.maxWaitMs); running anyway`);
        else if (cooled.waitedMs > 0) context.log.info(`${lane.serial}: cooled down to ${cooled.status} in ${Math.round(cooled.waitedMs / 1000)} s`);
      }
    } catch (error) {
      if (error instanceof DeviceDisconnectedError) {
        lane.gone = error.message;
        return failedWith(job, unknownOptions, 'setup', error);
      }
      context.log.warn(`${lane.serial}: cool-down check failed: ${(error as Error).message}`);
    }
    let before: Record<string, unknown>;
    try {
      before = { ...(await readDeviceState(device, lane.serial)), ...(cooldownMs !== undefined ? { cooldownMs } : {}) };
    } catch (error) {
      if (error instanceof DeviceDisconnectedError) lane.gone = error.message;
      return failedWith(job, unknownOptions, 'setup', error);
    }
    lane.jobsRun += 1;
    const result = await checkStillThere(lane, config, job.runtime === NATIVE_RUNTIME ? await runNative(lane, job, context) : await runPage(lane, job, context));
    if (!result.ok) return result;
    const after = await readDeviceState(device, lane.serial).catch((error: unknown) => ({ error: (error as Error).message }));
    result.measurement.device = withState(result.measurement.device, before);
    result.measurement.deviceState = { before, after };
    return result;
  };

  return {
    kind: 'android',

    async discover(context: TargetContext): Promise<DiscoveredDevice[]> {
      log = context.log;
      return discoverAndroid({ adb: adbFor(context.config), config: context.config, ...(options.env ? { env: options.env } : {}) });
    },

    async prepare(context: TargetContext, devices: DiscoveredDevice[]): Promise<void> {
      log = context.log;
      for (const found of devices) if (found.usable && found.device.kind === 'android') laneFor(found.device);
      if (context.config.android.appiumUrl) context.log.debug(`android: sessions go to ${redactUrl(context.config.android.appiumUrl)}`);
    },

    /** Phones download the same page runtimes as desktop browsers. */
    async runtimeSizes(runtimes: string[]): Promise<RuntimeSize[]> {
      const { runtimeSizes, RUNTIME_SIZE_ENTRIES } = await import('../page/index.ts');
      return runtimeSizes({ runtimes: runtimes.filter((runtime): runtime is keyof typeof RUNTIME_SIZE_ENTRIES => runtime in RUNTIME_SIZE_ENTRIES) });
    },

    /** Queues the job on its phone's lane: one job at a time per phone, phones in parallel. */
    run(job: Job, context: TargetContext): Promise<JobResult> {
      const lane = laneFor(job.device);
      const next = lane.queue.then(() => runOnLane(lane, job, context)).catch((error: unknown) => failedWith(job, { ...job.runtimeOptions }, 'setup', error));
      lane.queue = next;
      return next;
    },

    async dispose(): Promise<void> {
      const problems: string[] = [];
      const note = (what: string) => (error: unknown) => void problems.push(`${what}: ${(error as Error).message}`);
      await Promise.all([...lanes.values()].map((lane) => lane.queue.catch(() => {})));
      await Promise.all(
        [...lanes.values()].map(async (lane) => {
          await lane.session?.close().catch(note(`closing the session on ${lane.serial}`));
          lane.session = undefined;
          if (lane.reversedPort !== undefined && !lane.gone && adb) await adb.removeReverse(lane.serial, lane.reversedPort).catch(note(`removing adb reverse on ${lane.serial}`));
          lane.reversedPort = undefined;
        }),
      );
      if (appium) await (await appium.catch(() => undefined))?.stop().catch(note('stopping Appium'));
      if (pageServer) await (await pageServer.catch(() => undefined))?.close().catch(note('closing the page server'));
      appium = undefined;
      pageServer = undefined;
      lanes.clear();
      for (const problem of problems) log?.warn(`android: ${problem}`);
    },
  };
}
