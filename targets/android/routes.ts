/**
 * The two routes by which page runtimes reach Chrome on a phone, and which
 * one a run takes:
 *
 * - `cdp`: adb starts Chrome on the benchmark page and forwards its DevTools
 *   socket; Playwright drives it (./cdp-browser.ts). Needs nothing but adb and
 *   Chrome on the phone.
 * - `appium`: a WebDriver session through Appium's UiAutomator2 driver
 *   (targets/page/webdriver-host.ts), or through an external server, grid or device farm.
 *   A harness-started UiAutomator2 needs a JDK, the Android SDK with
 *   build-tools, and the driver package; they are checked here up front
 *   rather than discovered at session start.
 *
 * `android.driver: auto` (the default) takes Appium when an `appiumUrl` is
 * given or its prerequisites are met, else CDP. Pure apart from reading the
 * environment and the file system.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import type { ResolvedConfig } from '../../harness/core/config.ts';
import { driverProblem, findAppium } from './appium-server.ts';
import { automationNameOf, redactUrl, sessionCapabilities } from './capabilities.ts';

export type AndroidRoute = 'cdp' | 'appium';

/** The Appium drivers that build and install an Android app on the phone: they need a JDK and the SDK's build-tools. */
const SDK_DRIVERS = new Set(['uiautomator2', 'espresso']);

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** `name` on PATH, resolved through links, or undefined. */
function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const folder of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(folder, name);
    if (existsSync(candidate)) {
      try {
        return realpathSync(candidate);
      } catch {
        return candidate;
      }
    }
  }
  return undefined;
}

/** Why there is no usable JDK for Appium (it reads JAVA_HOME), or null. */
export function jdkProblem(env: NodeJS.ProcessEnv): string | null {
  const home = env.JAVA_HOME;
  if (home) return existsSync(join(home, 'bin', 'java')) ? null : `JAVA_HOME=${home} has no bin/java: point it at a JDK 11 or newer`;
  const java = onPath('java', env);
  // /usr/lib/jvm/<jdk>/bin/java → /usr/lib/jvm/<jdk>
  const hint = java ? `java is at ${java}: export JAVA_HOME=${dirname(dirname(java))}` : 'install a JDK 11 or newer (apt-get install default-jdk-headless) and export JAVA_HOME';
  return `JAVA_HOME is not set (the JDK): ${hint}`;
}

/** What the Android SDK lacks for Appium (ANDROID_HOME or ANDROID_SDK_ROOT, build-tools): empty when nothing. */
export function sdkProblems(env: NodeJS.ProcessEnv): string[] {
  const name = env.ANDROID_HOME ? 'ANDROID_HOME' : env.ANDROID_SDK_ROOT ? 'ANDROID_SDK_ROOT' : undefined;
  if (!name) return ['ANDROID_HOME is not set (the Android SDK): install the SDK command-line tools, export ANDROID_HOME, then sdkmanager "platform-tools" "build-tools;35.0.0"'];
  const home = env[name]!;
  if (!isDirectory(home)) return [`${name}=${home} is not a folder: point it at the Android SDK`];
  const buildTools = join(home, 'build-tools');
  // apksigner signs the helper apps UiAutomator2 installs; any build-tools version that has it will do.
  const versions = isDirectory(buildTools) ? readdirSync(buildTools).filter((version) => existsSync(join(buildTools, version, 'apksigner'))) : [];
  return versions.length ? [] : [`no build-tools with apksigner in ${buildTools}: sdkmanager "build-tools;35.0.0"`];
}

/**
 * What a harness-started Appium needs for sessions with `automationName`
 * and does not have: the driver package, and for the Android-app drivers a
 * JDK and the SDK's build-tools. Empty when everything is there.
 */
export function appiumPrerequisites(automationName: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  const driver = driverProblem(automationName, env);
  if (driver) problems.push(driver);
  if (SDK_DRIVERS.has(automationName.toLowerCase())) {
    const jdk = jdkProblem(env);
    if (jdk) problems.push(jdk);
    problems.push(...sdkProblems(env));
  }
  return problems;
}

export interface RouteChoice {
  /** The route this run's phones take. */
  route: AndroidRoute;
  /** Why, in words for logs and `bench devices`. */
  why: string;
  /** What the Appium route is: where sessions go, and what it lacks (empty when it can start sessions). */
  appium: { via: string; problems: string[] };
}

/** Which route page runtimes take, from `android.driver`, `android.appiumUrl` and what is installed. */
export function chooseRoute(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): RouteChoice {
  const { appiumUrl, driver } = config.android;
  let appium: RouteChoice['appium'];
  if (appiumUrl) {
    // What an external server has cannot be seen from here: its sessions say.
    appium = { via: `Appium at ${redactUrl(appiumUrl)}`, problems: [] };
  } else {
    const automationName = automationNameOf(sessionCapabilities('-', config.android.capabilities)) ?? 'UiAutomator2';
    const found = findAppium(env);
    appium = { via: found ? `Appium ${found.version} (${automationName}) started by the harness` : 'Appium (not installed)', problems: appiumPrerequisites(automationName, env) };
  }
  if (driver === 'cdp') return { route: 'cdp', why: 'android.driver cdp', appium };
  if (driver === 'appium') return { route: 'appium', why: 'android.driver appium', appium };
  if (appiumUrl) return { route: 'appium', why: 'auto: an Appium URL is given', appium };
  if (appium.problems.length === 0) return { route: 'appium', why: 'auto: Appium and its prerequisites are installed', appium };
  return { route: 'cdp', why: 'auto: Appium is not ready', appium };
}
