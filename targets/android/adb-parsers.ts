/**
 * Pure parsers of what adb prints. Each takes the text of one command's
 * stdout and returns plain data; none runs anything, so each is tested on
 * recorded outputs (test/unit/android-adb-parsers.test.ts).
 */

/** The state column of `adb devices -l`. `device` is the only usable one. */
export type AdbDeviceState = 'device' | 'unauthorized' | 'offline' | 'no permissions' | 'recovery' | 'sideload' | 'bootloader' | 'authorizing' | 'connecting' | 'unknown';

/** One line of `adb devices -l`. */
export interface AdbDeviceEntry {
  serial: string;
  state: AdbDeviceState;
  /** The state text as adb printed it (e.g. `no permissions (missing udev rules? …)`). */
  stateText: string;
  /** `usb:`, `product:`, `model:`, `device:`, `transport_id:` fields, where printed. */
  usb?: string;
  product?: string;
  /** adb's model field uses underscores for spaces (`Pixel_7`). */
  model?: string;
  device?: string;
  transportId?: string;
}

const KNOWN_STATES: readonly AdbDeviceState[] = ['device', 'unauthorized', 'offline', 'recovery', 'sideload', 'bootloader', 'authorizing', 'connecting'];
const LONG_FIELDS = new Set(['usb', 'product', 'model', 'device', 'transport_id', 'features']);

/**
 * Parses `adb devices -l`:
 * ```
 * List of devices attached
 * 0B161JEC216180         device usb:1-1 product:panther model:Pixel_7 device:panther transport_id:3
 * R58M40ABCDE            unauthorized usb:1-2 transport_id:4
 * ```
 * Daemon start-up chatter (`* daemon not running; starting now …`) and blank lines are skipped.
 */
export function parseDevices(text: string): AdbDeviceEntry[] {
  const entries: AdbDeviceEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('*') || line.startsWith('List of devices') || line.startsWith('adb server')) continue;
    const match = /^(\S+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const serial = match[1]!;
    const tokens = match[2]!.split(/\s+/);
    // Long-format fields are `key:value` at the end; everything before them is the state text.
    let firstField = tokens.length;
    while (firstField > 0) {
      const token = tokens[firstField - 1]!;
      const colon = token.indexOf(':');
      if (colon <= 0 || !LONG_FIELDS.has(token.slice(0, colon))) break;
      firstField -= 1;
    }
    const stateText = tokens.slice(0, firstField).join(' ');
    const fields = Object.fromEntries(tokens.slice(firstField).map((token) => [token.slice(0, token.indexOf(':')), token.slice(token.indexOf(':') + 1)]));
    const entry: AdbDeviceEntry = { serial, state: stateOf(stateText), stateText };
    if (fields.usb) entry.usb = fields.usb;
    if (fields.product) entry.product = fields.product;
    if (fields.model) entry.model = fields.model;
    if (fields.device) entry.device = fields.device;
    if (fields.transport_id) entry.transportId = fields.transport_id;
    entries.push(entry);
  }
  return entries;
}

function stateOf(text: string): AdbDeviceState {
  if (text.startsWith('no permissions')) return 'no permissions';
  return (KNOWN_STATES as readonly string[]).includes(text) ? (text as AdbDeviceState) : 'unknown';
}

/** What a user should do about a device in a state other than `device`. */
export function stateAdvice(entry: AdbDeviceEntry): string {
  switch (entry.state) {
    case 'unauthorized':
      return `device ${entry.serial} is unauthorized: accept the USB debugging prompt on the phone (tick "Always allow"), then rerun`;
    case 'offline':
      return `device ${entry.serial} is offline: replug the USB cable, or run \`adb kill-server\` and rerun`;
    case 'no permissions':
      return `device ${entry.serial} has no permissions (${entry.stateText}): add a udev rule for the phone or add your user to the plugdev group, then replug`;
    case 'authorizing':
    case 'connecting':
      return `device ${entry.serial} is still ${entry.state}: wait a few seconds and rerun`;
    case 'device':
      return '';
    default:
      return `device ${entry.serial} is in state "${entry.stateText}": boot it into Android with USB debugging on`;
  }
}

/**
 * Parses `adb shell getprop` (every property):
 * ```
 * [ro.build.version.release]: [14]
 * [ro.product.model]: [Pixel 7]
 * ```
 * A value may span lines (rare); continuation lines are joined with `\n`.
 */
export function parseGetprop(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  let pending: { key: string; value: string } | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (pending) {
      const end = line.endsWith(']') ? line.slice(0, -1) : null;
      pending.value += `\n${end ?? line}`;
      if (end !== null) {
        props[pending.key] = pending.value;
        pending = null;
      }
      continue;
    }
    const complete = /^\[([^\]]+)\]: \[(.*)\]$/.exec(line);
    if (complete) {
      props[complete[1]!] = complete[2]!;
      continue;
    }
    const open = /^\[([^\]]+)\]: \[(.*)$/.exec(line);
    if (open) pending = { key: open[1]!, value: open[2]! };
  }
  return props;
}

/** The device facts the record keeps, from getprop. */
export interface AndroidProps {
  model: string;
  manufacturer?: string;
  androidVersion: string;
  sdk?: number;
  /** `ro.soc.model` (Android 12+), else `ro.board.platform`, else `ro.hardware`. */
  soc: string;
  socManufacturer?: string;
  abi: string;
}

export function androidPropsOf(props: Record<string, string>): AndroidProps {
  const first = (...keys: string[]) => keys.map((key) => props[key]?.trim()).find((value) => value);
  const sdk = Number(props['ro.build.version.sdk']);
  const result: AndroidProps = {
    model: first('ro.product.model', 'ro.product.vendor.model') ?? 'unknown model',
    androidVersion: first('ro.build.version.release', 'ro.build.version.release_or_codename') ?? 'unknown',
    soc: first('ro.soc.model', 'ro.board.platform', 'ro.hardware') ?? 'unknown',
    abi: first('ro.product.cpu.abi') ?? 'unknown',
  };
  const manufacturer = first('ro.product.manufacturer');
  if (manufacturer) result.manufacturer = manufacturer;
  if (Number.isFinite(sdk) && sdk > 0) result.sdk = sdk;
  const socManufacturer = first('ro.soc.manufacturer');
  if (socManufacturer) result.socManufacturer = socManufacturer;
  return result;
}

export interface BatteryState {
  /** Percent, 0–100 (level scaled by `scale`). */
  level: number;
  /** True when any power source (AC, USB, wireless, dock) is plugged in. */
  charging: boolean;
  /** Which sources are plugged in. */
  poweredBy: string[];
  /** BatteryManager status: 1 unknown, 2 charging, 3 discharging, 4 not charging, 5 full. */
  status?: number;
  temperatureC?: number;
  voltageMv?: number;
}

/**
 * Parses `adb shell dumpsys battery`:
 * ```
 * Current Battery Service state:
 *   AC powered: false
 *   USB powered: true
 *   …
 *   level: 85
 *   scale: 100
 *   temperature: 283      (tenths of a degree Celsius)
 * ```
 * Returns null when the text holds no battery level (no battery service).
 */
export function parseBattery(text: string): BatteryState | null {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z][A-Za-z ]*?):\s*(.*?)\s*$/.exec(line);
    if (match) values[match[1]!.toLowerCase()] = match[2]!;
  }
  const level = Number(values.level);
  if (values.level === undefined || !Number.isFinite(level)) return null;
  const scale = Number(values.scale);
  const poweredBy = ['AC', 'USB', 'Wireless', 'Dock'].filter((source) => values[`${source.toLowerCase()} powered`] === 'true');
  const state: BatteryState = {
    level: Number.isFinite(scale) && scale > 0 ? Math.round((level * 100) / scale) : level,
    charging: poweredBy.length > 0,
    poweredBy,
  };
  const status = Number(values.status);
  if (values.status !== undefined && Number.isFinite(status)) state.status = status;
  const temperature = Number(values.temperature);
  if (values.temperature !== undefined && Number.isFinite(temperature)) state.temperatureC = temperature / 10;
  const voltage = Number(values.voltage);
  if (values.voltage !== undefined && Number.isFinite(voltage)) state.voltageMv = voltage;
  return state;
}

/** PowerManager.THERMAL_STATUS_* names, by value. */
export const THERMAL_STATUS_NAMES = ['none', 'light', 'moderate', 'severe', 'critical', 'emergency', 'shutdown'] as const;
export type ThermalStatusName = (typeof THERMAL_STATUS_NAMES)[number];

/** android.os.Temperature types. */
const TEMPERATURE_TYPES: Record<number, string> = { 0: 'cpu', 1: 'gpu', 2: 'battery', 3: 'skin', 4: 'usb-port', 5: 'power-amplifier', 6: 'bcl-voltage', 7: 'bcl-current', 8: 'bcl-percentage', 9: 'npu' };

export interface ThermalState {
  /** 0 (none) … 6 (shutdown). */
  status: number;
  statusName: ThermalStatusName | 'unknown';
  /** Hottest sensor of each type from the HAL's current temperatures (else the cached ones), °C. */
  maxTemperatureC: Record<string, number>;
}

/**
 * Parses `adb shell dumpsys thermalservice` (Android 10+):
 * ```
 * IsStatusOverride: false
 * …
 * Thermal Status: 0
 * Cached temperatures:
 *   Temperature{mValue=28.0, mType=2, mName=battery, mStatus=0}
 * HAL Ready: true
 * …
 * Current temperatures from HAL:
 *   Temperature{mValue=37.4, mType=0, mName=cpu0, mStatus=0}
 * ```
 * Returns null when there is no thermal status (older Android: "Can't find service: thermalservice").
 */
export function parseThermal(text: string): ThermalState | null {
  const statusMatch = /^\s*Thermal Status:\s*(\d+)\s*$/m.exec(text);
  if (!statusMatch) return null;
  const status = Number(statusMatch[1]);
  const sections: Record<'cached' | 'current', Array<{ value: number; type: number }>> = { cached: [], current: [] };
  let section: 'cached' | 'current' | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (/^Cached temperatures:/.test(line)) section = 'cached';
    else if (/^Current temperatures from HAL:/.test(line)) section = 'current';
    else if (/^\S/.test(line)) section = null;
    else if (section) {
      const match = /Temperature\{mValue=([-\d.eE]+), mType=(-?\d+)/.exec(line);
      if (match) sections[section].push({ value: Number(match[1]), type: Number(match[2]) });
    }
  }
  const temperatures = sections.current.length > 0 ? sections.current : sections.cached;
  const maxTemperatureC: Record<string, number> = {};
  for (const { value, type } of temperatures) {
    if (!Number.isFinite(value)) continue;
    const name = TEMPERATURE_TYPES[type] ?? `type-${type}`;
    maxTemperatureC[name] = Math.max(maxTemperatureC[name] ?? -Infinity, Math.round(value * 10) / 10);
  }
  return { status, statusName: THERMAL_STATUS_NAMES[status] ?? 'unknown', maxTemperatureC };
}

/** Cores from `/sys/devices/system/cpu/present` (`0-7`, or `0-3,6-7`). */
export function parseCpuRange(text: string): number | undefined {
  let count = 0;
  for (const part of text.trim().split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) return undefined;
    count += match[2] === undefined ? 1 : Number(match[2]) - Number(match[1]) + 1;
  }
  return count > 0 ? count : undefined;
}

/** What `dumpsys package <package>` says about one installed package. */
export interface PackageDump {
  /** `versionName=` of the installed package (not of the factory image kept under "Hidden system packages"). */
  versionName?: string;
  /** `installed=` of user 0; false for a system app removed for the user (`pm uninstall --user 0`). */
  installedForUser: boolean;
  /** `enabled=` of user 0: 0 default, 1 enabled, 2 disabled, 3 disabled by the user, 4 disabled until used. */
  enabledState?: number;
}

/**
 * Parses `adb shell dumpsys package <package>`: the package's block under
 * `Packages:`, whose per-user line says whether it is installed and enabled:
 * ```
 * Packages:
 *   Package [com.android.chrome] (9e1c4d5):
 *     versionCode=677803933 minSdk=29 targetSdk=35
 *     versionName=131.0.6778.39
 *     User 0: ceDataInode=… installed=true hidden=false … enabled=0 …
 * Hidden system packages:
 *   Package [com.android.chrome] (2b0f5a1):
 *     versionName=118.0.5993.111          (the factory image's, not the running one)
 * ```
 * Returns null when the package has no block there (not installed).
 */
export function parsePackageDump(text: string, pkg: string): PackageDump | null {
  const lines = text.split(/\r?\n/);
  const section = lines.findIndex((line) => line === 'Packages:');
  if (section < 0) return null;
  const header = `Package [${pkg}]`;
  const start = lines.findIndex((line, index) => index > section && line.trim().startsWith(header));
  if (start < 0) return null;
  const indent = lines[start]!.search(/\S/);
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    // The block ends at the next package (same indent) or the next section (no indent).
    if (line.trim() && line.search(/\S/) <= indent) break;
    block.push(line);
  }
  const text0 = block.join('\n');
  const user = /^\s*User 0:(.*)$/m.exec(text0)?.[1] ?? '';
  const installed = /\binstalled=(true|false)\b/.exec(user)?.[1];
  const enabled = /\benabled=(\d+)\b/.exec(user)?.[1];
  const versionName = /^\s*versionName=(\S+)\s*$/m.exec(text0)?.[1];
  return {
    ...(versionName ? { versionName } : {}),
    installedForUser: installed !== 'false',
    ...(enabled !== undefined ? { enabledState: Number(enabled) } : {}),
  };
}

/** Package names from `adb shell pm list packages [-d|-e|…]` (`package:com.android.chrome` per line). */
export function parsePackageList(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^package:(\S+)\s*$/.exec(line.trim());
    if (match) names.add(match[1]!);
  }
  return names;
}

/**
 * Whether `/proc/net/unix` lists a listening abstract socket of this exact
 * name (its Path column is `@<name>`):
 * ```
 * Num       RefCount Protocol Flags    Type St Inode Path
 * 0000000000000000: 00000002 00000000 00010000 0001 01 912345 @chrome_devtools_remote
 * ```
 * `@webview_devtools_remote_<pid>` and the like are other sockets.
 */
export function hasAbstractSocket(procNetUnix: string, name: string): boolean {
  return procNetUnix.split(/\r?\n/).some((line) => {
    const columns = line.trim().split(/\s+/);
    // Flags 00010000 is __SO_ACCEPTCON: a listening socket, not one of its connections.
    return columns.length >= 8 && columns[columns.length - 1] === `@${name}` && columns[3] === '00010000';
  });
}

/** The host port `adb forward tcp:0 …` picked (it prints the number alone). */
export function parseForwardPort(stdout: string): number | undefined {
  const match = /^\s*(\d+)\s*$/.exec(stdout);
  const port = match ? Number(match[1]) : NaN;
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/** One `adb forward --list` line: `<serial> <local> <remote>` (every device's rules, whichever -s was given). */
export interface ForwardRule {
  serial: string;
  local: string;
  remote: string;
}

export function parseForwardList(stdout: string): ForwardRule[] {
  return stdout.split(/\r?\n/).flatMap((line) => {
    const [serial, local, remote, ...rest] = line.trim().split(/\s+/);
    return serial && local && remote && rest.length === 0 ? [{ serial, local, remote }] : [];
  });
}

/**
 * One `adb -s <serial> reverse --list` line: `<transport> <remote> <local>`,
 * where the first column is the phone's name for the USB link (`UsbFfs`,
 * `host-19`), not the serial: the list comes from the phone.
 */
export function parseReverseList(stdout: string): Array<{ remote: string; local: string }> {
  return stdout.split(/\r?\n/).flatMap((line) => {
    const [, remote, local, ...rest] = line.trim().split(/\s+/);
    return remote && local && rest.length === 0 ? [{ remote, local }] : [];
  });
}

/**
 * The error line of `adb shell am start …`, or undefined when it started:
 * ```
 * Starting: Intent { act=android.intent.action.VIEW dat=http://127.0.0.1:41234/... pkg=com.android.chrome }
 * Error: Activity not started, unable to resolve Intent { act=android.intent.action.VIEW … }
 * ```
 * `am` prints such errors on stdout and, on older Android, exits 0 all the same.
 */
export function amStartError(output: string): string | undefined {
  const lines = output.split(/\r?\n/).map((line) => line.trim());
  return lines.find((line) => line.startsWith('Error:')) ?? lines.find((line) => /^Error type \d+/.test(line) || line.startsWith('Exception occurred'));
}

/**
 * The activity in front (`package/activity`) from `adb shell dumpsys activity
 * activities`: `ResumedActivity: ActivityRecord{8a1f0c3 u0 com.android.chrome/org.chromium.chrome.browser.ChromeTabbedActivity t412}`
 * (Android 12+), `mResumedActivity: …` (older), or `topResumedActivity=…`.
 */
export function resumedActivity(text: string): string | undefined {
  const match = /\b(?:m|top)?ResumedActivity[:=]\s*ActivityRecord\{\S+ u\d+ ([^\s/]+)\/([^\s}]+)/.exec(text) ?? /\bResumed:\s*ActivityRecord\{\S+ u\d+ ([^\s/]+)\/([^\s}]+)/.exec(text);
  if (!match) return undefined;
  const [, pkg, activity] = match;
  // `.Main` is shorthand for an activity in the package's own namespace.
  return `${pkg}/${activity!.startsWith('.') ? `${pkg}${activity}` : activity}`;
}
