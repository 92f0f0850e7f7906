/**
 * One phone during a run: its state (gone or not, files pushed, jobs run), the
 * lifetime of its `adb reverse` rule and WebDriver session, and what happens
 * around every job on it (cool-down, battery and thermal state before and
 * after, noticing that the phone went away).
 *
 * One job at a time per phone is the orchestrator's doing: each phone is its
 * own lane there (harness/lanes.ts), so a PhoneLane never runs two jobs at once.
 */
import type { Job, JobResult, PairJobResult, TargetContext } from '../types.ts';
import { serializeError, type DeviceInfo } from '../../harness/core/record.ts';
import { isPageRuntime, PAGE_RUNTIMES } from '../page/app/protocol.ts';
import { failed } from '../result.ts';
import { DeviceDisconnectedError, type Adb } from './adb.ts';
import { waitForCooldown } from './cooldown.ts';
import { energyAround, type JobEnergy } from './job-energy.ts';
import { phoneSustained, type PhoneSustained } from './sustained.ts';
import { NATIVE_RUNTIME } from './native.ts';
import { PhoneActionNeeded, type OpenPhoneBrowser, type PhoneBrowser } from './phone-browser.ts';
import type { AndroidRoute } from './routes.ts';
import type { SharedServers } from './servers.ts';

/** What a lane needs from the target: adb, the shared servers, and how each route opens the phone's browser. */
export interface LaneServices {
  adb(): Adb;
  servers: SharedServers;
  /** Opens the phone's browser by each route (./appium-browser.ts, ./cdp-browser.ts). */
  openBrowser: Record<AndroidRoute, OpenPhoneBrowser>;
  /** The route of a phone whose discovery did not name one (`device.extra.driver`). */
  defaultRoute(context: TargetContext): AndroidRoute;
  /** Cool-down poll interval, default 5 s. */
  cooldownPollMs?: number;
}

/** One way of running a job on a phone: the page (./page-job.ts) or benchmark_model (./native-job.ts). */
export type JobPart = (lane: PhoneLane, job: Job, context: TargetContext) => Promise<JobResult>;

/** Battery and thermal state right now, for `deviceState.before/after`. */
async function readDeviceState(adb: Adb, serial: string): Promise<Record<string, unknown>> {
  const [battery, thermal] = await Promise.all([adb.battery(serial), adb.thermal(serial)]);
  return {
    at: new Date().toISOString(),
    ...(battery ? { batteryLevel: battery.level, charging: battery.charging, ...(battery.temperatureC !== undefined ? { batteryTemperatureC: battery.temperatureC } : {}) } : {}),
    ...(thermal ? { thermalStatus: thermal.statusName, maxTemperatureC: thermal.maxTemperatureC } : {}),
  };
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

export class PhoneLane {
  readonly serial: string;
  /** Behind an external Appium only (not on this host's adb): no reverse, no adb state. */
  readonly remote: boolean;
  /** Set once the phone went away: the reason every later job fails with. */
  gone: string | undefined;
  /** Remote paths already pushed to this phone (benchmark_model, models). */
  readonly pushed = new Set<string>();
  /** The route discovery chose for this phone (`device.extra.driver`); a farm's phone is always on Appium. */
  readonly route: AndroidRoute | undefined;
  private readonly model: string | undefined;
  private jobsRun = 0;
  private reversedPort: number | undefined;
  private browser: PhoneBrowser | undefined;
  /** What the person at the phone must do before page jobs can run on it, once seen. */
  private actionNeeded: string | undefined;
  /** The energy measurement of the job running now, if energy is on: page jobs bound its window by their phases. */
  private energy: JobEnergy | undefined;
  /** The thermal and frequency readings of the job running now, in sustained mode. */
  private sustained: PhoneSustained | undefined;

  constructor(
    device: DeviceInfo,
    private readonly services: LaneServices,
  ) {
    this.serial = device.id;
    this.remote = device.extra?.remote === true;
    this.model = device.android?.model;
    const driver = device.extra?.driver;
    this.route = this.remote ? 'appium' : driver === 'cdp' || driver === 'appium' ? driver : undefined;
  }

  /** A live browser on this phone with the page's capabilities read, opening one (and the reverse rule) when needed. */
  async pageBrowser(context: TargetContext): Promise<PhoneBrowser> {
    if (this.browser?.host.alive) return this.browser;
    // Chrome missing, its first-run screens … : asking the phone again before someone acts on it only waits longer.
    if (this.actionNeeded) throw new PhoneActionNeeded(this.actionNeeded);
    await this.browser?.host.close();
    this.browser = undefined;
    const server = await this.services.servers.page(context.out);
    if (!this.remote && this.reversedPort !== server.server.port) {
      await this.services.adb().reverse(this.serial, server.server.port);
      this.reversedPort = server.server.port;
    }
    // A farm's tunnel forwards `localhost`, the name its docs use; both are this host to a phone on adb reverse.
    const pageUrl = this.remote ? server.pageUrl.replace('//127.0.0.1:', '//localhost:') : server.pageUrl;
    const route = this.route ?? this.services.defaultRoute(context);
    try {
      this.browser = await this.services.openBrowser[route]({ serial: this.serial, ...(this.model ? { model: this.model } : {}), remote: this.remote, pageUrl, context });
    } catch (error) {
      if (error instanceof PhoneActionNeeded) this.actionNeeded = error.message;
      throw error;
    }
    return this.browser;
  }

  /** Runs one job with `page` or `native` (by its runtime), with cool-down and the phone's state around it. */
  async run(job: Job, context: TargetContext, parts: { page: JobPart; native: JobPart }): Promise<JobResult> {
    const { config } = context;
    if (this.gone) return failed(job, 'setup', new DeviceDisconnectedError(this.serial));
    if (context.signal.aborted) return failed(job, 'setup', Object.assign(new Error('interrupted before the job started'), { name: 'AbortError' }));
    if (job.runtime !== NATIVE_RUNTIME && !isPageRuntime(job.runtime)) {
      return failed(job, 'setup', new Error(`the android target has no runtime "${job.runtime}" (it has ${[...PAGE_RUNTIMES, NATIVE_RUNTIME].join(', ')})`));
    }
    const part = job.runtime === NATIVE_RUNTIME ? parts.native : parts.page;
    if (this.remote) {
      if (job.runtime === NATIVE_RUNTIME) return failed(job, 'setup', new Error(`${NATIVE_RUNTIME} needs ${this.serial} on this host's adb`));
      this.jobsRun += 1;
      return part(this, job, context);
    }
    const adb = this.services.adb();
    const settled = await this.settle(context);
    if ('error' in settled) return failed(job, 'setup', settled.error);
    const { before } = settled;
    this.jobsRun += 1;
    this.energy = config.android.energy.enabled ? await energyAround(adb, this.serial, job, config.android.energy) : undefined;
    this.sustained = config.run.sustained !== undefined ? phoneSustained(adb, this.serial) : undefined;
    const result = await this.checkStillThere(await part(this, job, context));
    if (result.ok && this.energy) result.measurement.energy = await this.energy.finish(result.measurement);
    const sustained = await this.sustained?.finish(result.ok ? result.measurement.samples : []);
    if (result.ok && sustained) result.measurement.sustained = sustained;
    this.energy = this.sustained = undefined;
    if (!result.ok) return result;
    const after = await readDeviceState(adb, this.serial).catch((error: unknown) => ({ error: (error as Error).message }));
    result.measurement.device = withState(result.measurement.device, before);
    result.measurement.deviceState = { before, after };
    return result;
  }

  /**
   * Before a job: the cool-down (after the first job on this phone) and the
   * battery and thermal state it starts in; a phone that went away is an error.
   */
  private async settle(context: TargetContext): Promise<{ before: Record<string, unknown> } | { error: unknown }> {
    const { config } = context;
    const adb = this.services.adb();
    let cooldownMs: number | undefined;
    try {
      if (config.android.cooldown.enabled && this.jobsRun > 0) {
        const cooled = await waitForCooldown({ readThermal: () => adb.thermal(this.serial), maxWaitMs: config.android.cooldown.maxWaitMs, ...(this.services.cooldownPollMs ? { pollMs: this.services.cooldownPollMs } : {}) });
        cooldownMs = cooled.waitedMs;
        if (!cooled.cool) context.log.warn(`${this.serial} still ${cooled.status} after ${Math.round(cooled.waitedMs / 1000)} s of cool-down (android.cooldown.maxWaitMs); running anyway`);
        else if (cooled.waitedMs > 0) context.log.info(`${this.serial}: cooled down to ${cooled.status} in ${Math.round(cooled.waitedMs / 1000)} s`);
      }
    } catch (error) {
      if (error instanceof DeviceDisconnectedError) {
        this.gone = error.message;
        return { error };
      }
      context.log.warn(`${this.serial}: cool-down check failed: ${(error as Error).message}`);
    }
    try {
      return { before: { ...(await readDeviceState(adb, this.serial)), ...(cooldownMs !== undefined ? { cooldownMs } : {}) } };
    } catch (error) {
      if (error instanceof DeviceDisconnectedError) this.gone = error.message;
      return { error };
    }
  }

  /**
   * An A/B's pages on this phone (./page-job.ts), with what a plain job has
   * around it: the cool-down first and the phone's state before and after,
   * named in the result's `deviceStates`. A phone behind a farm's Appium has
   * no adb here: the pair runs without them.
   */
  async aroundPair(context: TargetContext, body: () => Promise<PairJobResult>): Promise<PairJobResult> {
    if (this.gone) return { ok: false, side: 'both', phase: 'setup', error: serializeError(new DeviceDisconnectedError(this.serial)) };
    if (this.remote) {
      this.jobsRun += 1;
      return body();
    }
    const settled = await this.settle(context);
    if ('error' in settled) return { ok: false, side: 'both', phase: 'setup', error: serializeError(settled.error) };
    this.jobsRun += 1;
    const result = await body();
    if (!result.ok) return result;
    const after = await readDeviceState(this.services.adb(), this.serial).catch((error: unknown) => ({ error: (error as Error).message }));
    return { ...result, deviceStates: [...(result.deviceStates ?? []), { side: 'both', before: settled.before, after }] };
  }

  /** After a failure: is the phone still there? If not, the lane is gone and the failure says so. */
  private async checkStillThere(result: JobResult): Promise<JobResult> {
    if (result.ok) return result;
    let state: string;
    try {
      state = await this.services.adb().state(this.serial);
    } catch (error) {
      state = error instanceof DeviceDisconnectedError ? 'gone' : `unknown (${(error as Error).message})`;
    }
    // Only a phone adb no longer sees (or sees offline/unauthorized) is gone; an adb hiccup proves nothing.
    if (state === 'device' || state.startsWith('unknown')) return result;
    this.gone = new DeviceDisconnectedError(this.serial).message;
    await this.browser?.host.close().catch(() => {});
    this.browser = undefined;
    result.failure.error = { ...result.failure.error, name: 'DeviceDisconnectedError', message: `${this.gone}; the job failed with: ${result.failure.error.message}` };
    return result;
  }

  /** A page job's phase, as the page reports it: the loop's start and end bound the energy window and date the sustained readings. */
  notePhase(phase: string): void {
    this.energy?.phase(phase);
    this.sustained?.phase(phase);
  }

  /** Closes the browser (session, or DevTools connection and forward) and removes the reverse rule; `note` collects what failed. `adb` is absent when none was made. */
  async close(adb: Adb | undefined, note: (what: string) => (error: unknown) => void): Promise<void> {
    await this.browser?.host.close().catch(note(`closing the browser on ${this.serial}`));
    this.browser = undefined;
    if (this.reversedPort !== undefined && !this.gone && adb) await adb.removeReverse(this.serial, this.reversedPort).catch(note(`removing adb reverse on ${this.serial}`));
    this.reversedPort = undefined;
  }
}
