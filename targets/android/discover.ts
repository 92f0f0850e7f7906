/**
 * Finding phones: `adb devices -l`, then for each authorized device its
 * properties, battery and thermal state, whether Chrome is installed and
 * enabled (in parallel, a few adb calls each), and which runtimes it offers
 * by the route this run takes (./routes.ts), with both routes described in
 * the device's notes for `bench devices`. Never throws: a missing adb, an
 * unauthorized or offline phone, a phone that fails to answer are each an
 * unusable device with what to do about it.
 */
import type { ResolvedConfig } from '../../harness/core/config.ts';
import type { DeviceInfo } from '../../harness/core/record.ts';
import { PAGE_RUNTIMES } from '../page/app/protocol.ts';
import { pageRuntimeTrains, RUNTIME_FORMATS } from '../page/runtimes.ts';
import type { DiscoveredDevice, RuntimeStatus } from '../types.ts';
import { androidPropsOf, stateAdvice, type AdbDeviceEntry, type BatteryState, type ThermalState } from './adb-parsers.ts';
import { AdbNotFoundError, type Adb } from './adb.ts';
import { chromeState, type ChromeState } from './chrome-on-phone.ts';
import { checkBenchmarkBinary, missingBinaryAdvice, NATIVE_RUNTIME } from './native.ts';
import { chooseRoute, type RouteChoice } from './routes.ts';

export interface DiscoverOptions {
  adb: Adb;
  config: ResolvedConfig;
  env?: NodeJS.ProcessEnv;
}

/** A device entry for something that is not a phone we can use (adb missing, serial not attached …). */
function unusable(id: string, name: string, reason: string, extra: Partial<DeviceInfo> = {}): DiscoveredDevice {
  return { device: { id, kind: 'android', name, ...extra }, usable: false, reason, runtimes: [] };
}

/** The DeviceInfo of a phone from its properties and current battery/thermal state. */
export function androidDevice(serial: string, props: Record<string, string>, battery: BatteryState | null, thermal: ThermalState | null, cores: number | undefined): DeviceInfo {
  const facts = androidPropsOf(props);
  return {
    id: serial,
    kind: 'android',
    name: facts.model,
    os: `Android ${facts.androidVersion}${facts.sdk ? ` (SDK ${facts.sdk})` : ''}`,
    cpu: facts.soc,
    ...(cores ? { cores } : {}),
    android: {
      serial,
      model: facts.model,
      androidVersion: facts.androidVersion,
      soc: facts.soc,
      abi: facts.abi,
      ...(battery ? { battery: { level: battery.level, charging: battery.charging, ...(battery.temperatureC !== undefined ? { temperatureC: battery.temperatureC } : {}) } } : {}),
      ...(thermal ? { thermalStatus: thermal.statusName } : {}),
    },
    ...(facts.manufacturer ? { extra: { manufacturer: facts.manufacturer } } : {}),
  };
}

/**
 * A phone behind an external Appium server (grid node, device farm) and not
 * on this host's adb: page runtimes only, no adb state, no adb reverse. The
 * farm's tunnel (BrowserStack Local, Sauce Connect …) must let it reach this
 * host's localhost.
 */
export function remoteDevice(serial: string, via: string): DiscoveredDevice {
  return {
    device: { id: serial, kind: 'android', name: serial, extra: { remote: true, driver: 'appium' } },
    usable: true,
    runtimes: [
      ...pageRuntimeStatuses(null, via),
      { runtime: NATIVE_RUNTIME, format: 'tflite', available: false, reason: `${serial} is not on this host's adb: benchmark_model needs the phone attached here` },
    ],
    notes: [`route appium (in use): page runtimes through ${via}; cdp needs the phone on this host's adb`],
  };
}

/** The page runtimes, all available or all not, for one reason: the browser's own limits show once its session opens. */
export function pageRuntimeStatuses(problem: string | null, via: string): RuntimeStatus[] {
  return PAGE_RUNTIMES.map((runtime) => ({
    runtime,
    format: RUNTIME_FORMATS[runtime],
    available: problem === null,
    ...(problem ? { reason: problem } : {}),
    // WebGPU, WebGL and WASM threads are checked in the phone's browser when its session opens.
    details: { via },
    // The retrain workload runs on a phone's page as on a desktop browser's (without this, phones were never planned for it).
    ...(problem === null && pageRuntimeTrains(runtime) ? { trains: true } : {}),
  }));
}

export async function nativeRuntimeStatus(config: ResolvedConfig, abi: string): Promise<RuntimeStatus> {
  const binary = config.android.tfliteBenchmarkBinary;
  const base = { runtime: NATIVE_RUNTIME, format: 'tflite' as const };
  if (!binary) return { ...base, available: false, reason: missingBinaryAdvice(abi) };
  const problem = await checkBenchmarkBinary(binary, abi);
  return problem ? { ...base, available: false, reason: problem } : { ...base, available: true, details: { binary } };
}

/** Where page runtimes go on this phone by `route`, and why they cannot (null when they can, as far as can be told before opening the browser). */
function routeProblem(route: RouteChoice['route'], choice: RouteChoice, chrome: ChromeState): { via: string; problem: string | null } {
  if (route === 'cdp') return chrome.ok ? { via: `Chrome ${chrome.version} over adb and DevTools (cdp)`, problem: null } : { via: 'Chrome over adb and DevTools (cdp)', problem: chrome.problem };
  return { via: choice.appium.via, problem: choice.appium.problems.length ? choice.appium.problems.join('; ') : null };
}

/** Both routes on one phone, for `bench devices`: which is in use and why, and what each can run. */
export function routeNotes(choice: RouteChoice, chrome: ChromeState): string[] {
  return (['cdp', 'appium'] as const).map((route) => {
    const { via, problem } = routeProblem(route, choice, chrome);
    const label = `route ${route}${route === choice.route ? ` (in use: ${choice.why})` : ''}`;
    return problem ? `${label}: cannot run the page runtimes: ${problem}` : `${label}: runs the page runtimes (${PAGE_RUNTIMES.join(', ')}) through ${via}${route === 'cdp' ? ', nothing to install' : ''}`;
  });
}

export async function discoverAndroid(options: DiscoverOptions): Promise<DiscoveredDevice[]> {
  const { adb, config } = options;
  let entries: AdbDeviceEntry[];
  try {
    entries = await adb.devices({ timeoutMs: config.timeouts.android.adbDevicesMs });
  } catch (error) {
    const reason = error instanceof AdbNotFoundError ? 'adb not found: apt-get install adb, or set android.adb' : `adb devices failed: ${(error as Error).message}`;
    return [unusable('adb', 'adb', reason)];
  }
  const wanted = config.android.devices;
  const found: DiscoveredDevice[] = [];
  const choice = chooseRoute(config, options.env);
  if (wanted) {
    for (const serial of wanted.filter((serial) => !entries.some((entry) => entry.serial === serial))) {
      // Not on this host's adb: with an external Appium (a grid node, a device farm) it may well be there.
      found.push(config.android.appiumUrl ? remoteDevice(serial, choice.appium.via) : unusable(serial, serial, `device ${serial} (android.devices) is not attached: check the cable and \`adb devices\`, or set android.appiumUrl for a phone on a grid or device farm`));
    }
    entries = entries.filter((entry) => wanted.includes(entry.serial));
  }
  const phones = await Promise.all(
    entries.map(async (entry): Promise<DiscoveredDevice> => {
      const name = entry.model?.replace(/_/g, ' ') ?? entry.serial;
      if (entry.state !== 'device') return unusable(entry.serial, name, stateAdvice(entry));
      try {
        const [props, battery, thermal, cores] = await Promise.all([
          adb.getprops(entry.serial),
          adb.battery(entry.serial).catch(() => null),
          adb.thermal(entry.serial).catch(() => null),
          adb.cpuCount(entry.serial).catch(() => undefined),
        ]);
        const device = androidDevice(entry.serial, props, battery, thermal, cores);
        device.extra = { ...device.extra, driver: choice.route };
        const chrome = await chromeState(adb, entry.serial, device.android!.model).catch((error: unknown): ChromeState => ({ ok: false, problem: `cannot tell whether Chrome is on ${entry.serial}: ${(error as Error).message}` }));
        const { via, problem } = routeProblem(choice.route, choice, chrome);
        const runtimes = [...pageRuntimeStatuses(problem, via), await nativeRuntimeStatus(config, device.android!.abi)];
        return { device, usable: true, runtimes, notes: routeNotes(choice, chrome) };
      } catch (error) {
        return unusable(entry.serial, name, `device ${entry.serial} did not answer: ${(error as Error).message}`);
      }
    }),
  );
  return [...found, ...phones];
}
