/**
 * The Android target: phones found with adb, benchmarked in two ways.
 *
 * - The page runtimes (`tfjs-wasm`, `tfjs-webgl`, `litert-wasm` …): the shared
 *   benchmark page and protocol (targets/page), unchanged, in Chrome on the phone.
 *   `adb reverse` makes the host's page server the phone's own localhost, and
 *   one of two routes (./routes.ts) drives the page: `cdp`, Chrome started
 *   with adb and driven over its DevTools socket by Playwright, with nothing
 *   to install (./cdp-browser.ts); or `appium`, a WebDriver session through
 *   Appium's UiAutomator2 driver started from the project's dependencies, or
 *   an external server, grid or device farm (`android.appiumUrl`)
 *   (./appium-browser.ts). `android.driver: auto` takes Appium when it is
 *   ready or named, else CDP.
 * - `tflite-benchmark-model`: TFLite's own benchmark tool pushed with adb and
 *   run in the phone's shell (./native.ts).
 *
 * Each phone is a lane of the orchestrator (one job at a time on it, phones in
 * parallel) and a PhoneLane here (./lane.ts): its state, reverse rule and
 * session. A job runs through its part, the page (./page-job.ts) or
 * benchmark_model (./native-job.ts). Servers (./servers.ts), browsers and
 * reverse rules start lazily with a lane's first job that needs them, so
 * `bench devices` and native-only runs start nothing. A phone that disappears
 * fails its remaining jobs at once; the others go on.
 *
 * What a run sets up outside its process (adb forward and reverse rules, its
 * Appium server) is written in its ledger (./run-ledger.ts) while it exists,
 * removed on every exit path (dispose; ./exit-guard.ts for the rest), and a
 * killed run's is swept at the next discovery (./leftovers.ts).
 */
import { dirname } from 'node:path';
import type { ResolvedConfig } from '../../harness/core/config.ts';
import type { Logger } from '../../harness/core/log.ts';
import { serializeError, type DeviceInfo, type JobPhase, type RuntimeSize } from '../../harness/core/record.ts';
import type { PageServer } from '../page/index.ts';
import { isPageRuntime } from '../page/app/protocol.ts';
import { failed } from '../result.ts';
import type { DiscoveredDevice, Job, JobResult, JobSpec, KeyOptions, PairJob, PairJobResult, Target, TargetContext } from '../types.ts';
import { createAdb, type Adb } from './adb.ts';
import type { AppiumServer, StartAppiumOptions } from './appium-server.ts';
import { appiumBrowserOpener } from './appium-browser.ts';
import { redactUrl } from './capabilities.ts';
import { cdpBrowserOpener } from './cdp-browser.ts';
import { discoverAndroid } from './discover.ts';
import { PhoneLane, type LaneServices } from './lane.ts';
import { NATIVE_RUNTIME } from './native.ts';
import { nativeJobPart, nativeKeyOptions } from './native-job.ts';
import { runNativePair } from './ab-native.ts';
import { pageJobPart, phonePageKeyOptions, runPhonePagePair } from './page-job.ts';
import type { PageHost } from '../page/page-host.ts';
import type { WebDriverHostOptions } from '../page/webdriver-host.ts';
import { chooseRoute } from './routes.ts';
import { SharedServers } from './servers.ts';
import { guardOnExit } from './exit-guard.ts';
import { sweepLeftovers } from './leftovers.ts';
import { RunLedger } from './run-ledger.ts';
import { trackedAdb } from './tracked-adb.ts';
import { removeRules } from './undo-rules.ts';

export { createAdb, AdbNotFoundError, DeviceDisconnectedError, type Adb } from './adb.ts';
export { discoverAndroid } from './discover.ts';
export { startAppiumServer, findAppium, driverProblem, type AppiumServer } from './appium-server.ts';
export { phoneCapabilities, sessionCapabilities } from './capabilities.ts';
export { chooseRoute, appiumPrerequisites, type AndroidRoute, type RouteChoice } from './routes.ts';
export { parseBenchmarkModelOutput } from './benchmark-model.ts';
export { NATIVE_RUNTIME } from './native.ts';

export interface AndroidTargetOptions {
  /** adb wrapper; default `createAdb` with `android.adb` and `timeouts.android`. */
  adb?: Adb;
  /** Starts the harness's own Appium server (when no android.appiumUrl). */
  startAppium?: (options: StartAppiumOptions) => Promise<AppiumServer>;
  /** Opens the WebDriver page host (Appium route); default targets/page's `openWebDriverHost`. */
  openWebDriver?: (options: WebDriverHostOptions) => Promise<PageHost>;
  /** Starts the page server; default targets/page's `startPageServer`. */
  startPageServer?: (out: string) => Promise<PageServer>;
  /** Called when a job on a phone enters a phase (tests kill the browser with it). */
  onPhase?: (serial: string, phase: JobPhase) => void;
  /** Cool-down poll interval, default 5 s. */
  cooldownPollMs?: number;
  /** Environment for Appium lookups (APPIUM_HOME) and its prerequisites (JAVA_HOME, ANDROID_HOME). */
  env?: NodeJS.ProcessEnv;
}

export function createAndroidTarget(options: AndroidTargetOptions = {}): Target {
  const lanes = new Map<string, PhoneLane>();
  let adb: Adb | undefined;
  let log: Logger | undefined;
  /** What this run set up on the host and phones (./run-ledger.ts), guarded on every exit path (./exit-guard.ts). */
  let ledger: RunLedger | undefined;
  let swept = false;

  const ledgerNow = (): RunLedger => {
    if (!ledger) {
      const opened = RunLedger.open(options.env);
      ledger = opened.ledger;
      if (opened.why) log?.warn(`android: ${opened.why}: a run killed with kill -9 leaves its adb rules and Appium server for you to remove`);
      // Armed only while something is held: after dispose removed everything, the process ends as it would have.
      guardOnExit(ledger, () => adb);
    }
    return ledger;
  };
  /** adb from the run's config, made once by the first of discover, prepare or run (each passes its config in), its rules written in the ledger. */
  const adbFor = (config: ResolvedConfig): Adb => (adb ??= trackedAdb(options.adb ?? createAdb({ executable: config.android.adb, timeouts: config.timeouts.android }), ledgerNow()));
  /** The adb made by then: lanes, browsers and benchmark_model only run inside a job, after discover or run made it. */
  const adbNow = (): Adb => {
    if (!adb) throw new Error('android: adb used before the target was discovered, prepared or run');
    return adb;
  };
  const servers = new SharedServers({
    ...(options.startAppium ? { startAppium: options.startAppium } : {}),
    ...(options.startPageServer ? { startPageServer: options.startPageServer } : {}),
    ...(options.env ? { env: options.env } : {}),
    ledger: ledgerNow,
  });
  const services: LaneServices = {
    adb: adbNow,
    servers,
    openBrowser: {
      cdp: cdpBrowserOpener({ adb: adbNow }),
      appium: appiumBrowserOpener({
        adb: adbNow,
        servers,
        openWebDriver: options.openWebDriver ?? (async (hostOptions) => (await import('../page/webdriver-host.ts')).openWebDriverHost(hostOptions)),
        ...(options.env ? { env: options.env } : {}),
      }),
    },
    defaultRoute: (context) => chooseRoute(context.config, options.env).route,
    ...(options.cooldownPollMs ? { cooldownPollMs: options.cooldownPollMs } : {}),
  };
  const pageOptions = { servers, ...(options.onPhase ? { onPhase: options.onPhase } : {}) };
  const parts = {
    page: pageJobPart(pageOptions),
    native: nativeJobPart({ adb: adbNow }),
  };
  const laneFor = (device: DeviceInfo): PhoneLane => {
    let lane = lanes.get(device.id);
    if (!lane) {
      lane = new PhoneLane(device, services);
      lanes.set(device.id, lane);
    }
    return lane;
  };

  return {
    kind: 'android',

    async discover(context: TargetContext): Promise<DiscoveredDevice[]> {
      log = context.log;
      const current = adbFor(context.config);
      if (!swept) {
        swept = true;
        const { file, owner } = ledgerNow();
        if (file) await sweepLeftovers({ dir: dirname(file), adb: current, self: owner, say: (line) => context.log.warn(line) }).catch((error: unknown) => context.log.warn(`android: looking for what earlier runs left behind failed: ${(error as Error).message}`));
      }
      return discoverAndroid({ adb: current, config: context.config, ...(options.env ? { env: options.env } : {}) });
    },

    async prepare(context: TargetContext, devices: DiscoveredDevice[]): Promise<void> {
      log = context.log;
      adbFor(context.config);
      const choice = chooseRoute(context.config, options.env);
      context.log.info(`android: page runtimes through ${choice.route} (${choice.why})`);
      for (const found of devices) {
        if (!found.usable || found.device.kind !== 'android') continue;
        laneFor(found.device);
        // What keeps the page runtimes off this phone, once, where a person reads it (bench run lists them as unavailable).
        const blocked = found.runtimes.find((status) => isPageRuntime(status.runtime) && !status.available);
        if (blocked && found.runtimes.every((status) => !isPageRuntime(status.runtime) || !status.available)) context.log.warn(`android ${found.device.id}: no page runtime: ${blocked.reason}`);
      }
      if (context.config.android.appiumUrl) context.log.debug(`android: sessions go to ${redactUrl(context.config.android.appiumUrl)}`);
    },

    /** Phones download the same page runtimes as desktop browsers. */
    async runtimeSizes(runtimes: string[]): Promise<RuntimeSize[]> {
      const { runtimeSizes, RUNTIME_SIZE_ENTRIES } = await import('../page/index.ts');
      return runtimeSizes({ runtimes: runtimes.filter((runtime): runtime is keyof typeof RUNTIME_SIZE_ENTRIES => runtime in RUNTIME_SIZE_ENTRIES) });
    },

    /** benchmark_model's threads and delegate, or the page's threads and SIMD (./page-job.ts). */
    keyOptions(job: JobSpec, runConfig: ResolvedConfig): KeyOptions {
      return job.runtime === NATIVE_RUNTIME ? nativeKeyOptions(job, runConfig) : phonePageKeyOptions(job, runConfig);
    },

    /** One job on its phone; the orchestrator's lanes give each phone one job at a time. */
    async run(job: Job, context: TargetContext): Promise<JobResult> {
      adbFor(context.config);
      try {
        return await laneFor(job.device).run(job, context, parts);
      } catch (error) {
        return failed(job, 'setup', error);
      }
    },

    /**
     * A/B on a phone. Page runtimes (./page-job.ts): A and B in each fresh
     * page of the phone's browser, the cool-down and the phone's state
     * around each page. benchmark_model loads one model per process: its
     * runs alternate A B B A instead, each a plain native job (./ab-native.ts).
     */
    async runPair(pair: PairJob, context: TargetContext): Promise<PairJobResult> {
      const fail = (error: Error): PairJobResult => ({ ok: false, side: 'both', phase: 'setup', error: serializeError(error) });
      adbFor(context.config);
      const lane = laneFor(pair.b.device);
      if (lane.gone) return fail(new Error(lane.gone));
      try {
        if (pair.b.runtime === NATIVE_RUNTIME) return await runNativePair(pair, context, (job) => lane.run(job, context, parts));
        return await lane.aroundPair(context, () => runPhonePagePair(lane, pair, context, pageOptions));
      } catch (error) {
        return fail(error as Error);
      }
    },

    async dispose(): Promise<void> {
      const problems: string[] = [];
      const note = (what: string) => (error: unknown) => void problems.push(`${what}: ${(error as Error).message}`);
      await Promise.all([...lanes.values()].map((lane) => lane.close(adb, note)));
      await servers.stop(note);
      // What a lane could not remove (its phone went away mid-run, a close that failed): once more, then the ledger is done.
      if (ledger && adb) problems.push(...(await removeRules(ledger, adb)));
      lanes.clear();
      for (const problem of problems) log?.warn(`android: ${problem}`);
    },
  };
}
