/**
 * Finding phones: `adb devices -l`, then for each authorized device its
 * properties, battery and thermal state (in parallel, a few adb calls each),
 * and which runtimes it offers. Never throws: a missing adb, an unauthorized
 * or offline phone, a phone that fails to answer are each an unusable device
 * with what to do about it.
 */
import type { ResolvedConfig } from '../../harness/core/config.ts';
import type { DeviceInfo } from '../../harness/core/record.ts';
import { PAGE_RUNTIMES } from '../page/app/protocol.ts';
import { RUNTIME_FORMATS } from '../page/runtimes.ts';
import type { DiscoveredDevice, RuntimeStatus } from '../types.ts';
import { androidPropsOf, stateAdvice, type AdbDeviceEntry, type BatteryState, type ThermalState } from './adb-parsers.ts';
import { AdbNotFoundError, type Adb } from './adb.ts';
import { driverProblem, findAppium } from './appium-server.ts';
import { automationNameOf, redactUrl, sessionCapabilities } from './capabilities.ts';
import { checkBenchmarkBinary, NATIVE_RUNTIME } from './native.ts';

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
    device: { id: serial, kind: 'android', name: serial, extra: { remote: true } },
    usable: true,
    runtimes: [
      ...pageRuntimeStatuses(null, via),
      { runtime: NATIVE_RUNTIME, format: 'tflite', available: false, reason: `${serial} is not on this host's adb: benchmark_model needs the phone attached here` },
    ],
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
  }));
}

export async function nativeRuntimeStatus(config: ResolvedConfig, abi: string): Promise<RuntimeStatus> {
  const binary = config.android.tfliteBenchmarkBinary;
  const base = { runtime: NATIVE_RUNTIME, format: 'tflite' as const };
  if (!binary) {
    return { ...base, available: false, reason: `set --tflite-benchmark-binary (android.tfliteBenchmarkBinary) to TFLite's benchmark_model built for ${abi}` };
  }
  const problem = await checkBenchmarkBinary(binary, abi);
  return problem ? { ...base, available: false, reason: problem } : { ...base, available: true, details: { binary } };
}

/** Where sessions go, and why they cannot start (null when they can, as far as can be told without starting one). */
export function sessionRoute(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): { via: string; problem: string | null } {
  if (config.android.appiumUrl) return { via: `Appium at ${redactUrl(config.android.appiumUrl)}`, problem: null };
  // Any serial gives the same automationName.
  const automationName = automationNameOf(sessionCapabilities('-', config.android.capabilities)) ?? 'UiAutomator2';
  const appium = findAppium(env);
  return { via: appium ? `Appium ${appium.version} started by the harness` : 'Appium (not installed)', problem: driverProblem(automationName, env) };
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
  const route = sessionRoute(config, options.env);
  if (wanted) {
    for (const serial of wanted.filter((serial) => !entries.some((entry) => entry.serial === serial))) {
      // Not on this host's adb: with an external Appium (a grid node, a device farm) it may well be there.
      found.push(config.android.appiumUrl ? remoteDevice(serial, route.via) : unusable(serial, serial, `device ${serial} (android.devices) is not attached: check the cable and \`adb devices\`, or set android.appiumUrl for a phone on a grid or device farm`));
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
        const runtimes = [...pageRuntimeStatuses(route.problem, route.via), await nativeRuntimeStatus(config, device.android!.abi)];
        return { device, usable: true, runtimes };
      } catch (error) {
        return unusable(entry.serial, name, `device ${entry.serial} did not answer: ${(error as Error).message}`);
      }
    }),
  );
  return [...found, ...phones];
}
