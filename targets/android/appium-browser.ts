/**
 * The Appium route: a WebDriver session (./page-session.ts) on Chrome on the
 * phone, through the harness's own Appium server or an external server, grid
 * or device farm (`android.appiumUrl`). While a job runs, adb tells a page
 * busy measuring from a browser that died (`pidof`).
 */
import { firstLine } from '../../harness/core/format.ts';
import { AdbCommandError, DeviceDisconnectedError, shellQuote, type Adb } from './adb.ts';
import { driverProblem } from './appium-server.ts';
import { automationNameOf, browserPackage, redactUrl, sessionCapabilities } from './capabilities.ts';
import type { OpenPageSessionOptions, PageSession } from './page-session.ts';
import type { OpenPhoneBrowser, PhoneBrowser } from './phone-browser.ts';
import type { SharedServers } from './servers.ts';

export interface AppiumBrowserDeps {
  adb(): Adb;
  servers: SharedServers;
  openSession(options: OpenPageSessionOptions): Promise<PageSession>;
  /** Environment for Appium lookups (APPIUM_HOME). */
  env?: NodeJS.ProcessEnv;
}

/** Whether the browser app still runs on the phone: pidof exits 1 when it does not; undefined when adb cannot tell. */
async function browserRunning(adb: Adb, serial: string, pkg: string, timeoutMs: number): Promise<boolean | undefined> {
  try {
    return (await adb.shell(serial, `pidof ${shellQuote(pkg)}`, { timeoutMs })).trim().length > 0;
  } catch (error) {
    if (error instanceof DeviceDisconnectedError) return false;
    if (error instanceof AdbCommandError && error.exitCode === 1 && !error.stdout.trim()) return false;
    return undefined;
  }
}

export function appiumBrowserOpener(deps: AppiumBrowserDeps): OpenPhoneBrowser {
  return async ({ serial, remote, pageUrl, context }): Promise<PhoneBrowser> => {
    const { config } = context;
    const url = await deps.servers.appiumUrl(config, context.log);
    const capabilities = sessionCapabilities(serial, config.android.capabilities);
    let session: PageSession;
    try {
      session = await deps.openSession({ url, capabilities, pageUrl, log: context.log, timeouts: config.timeouts.android });
    } catch (error) {
      const message = (error as Error).message;
      const hint = /could not find a driver|no driver/i.test(message) ? ` (${driverProblem(automationNameOf(capabilities) ?? 'UiAutomator2', deps.env) ?? 'install the driver on that server'})` : '';
      throw new Error(`cannot open a WebDriver session on ${serial} through ${redactUrl(url)}: ${firstLine(message)}${hint}`, { cause: error });
    }
    try {
      const caps = await session.capabilities();
      const { runtimeStatuses } = await import('../page/runtimes.ts');
      const { packageVersion } = await import('../page/assets.ts');
      const statuses = runtimeStatuses(caps, { tfjs: packageVersion('@tensorflow/tfjs-core'), litert: packageVersion('@litertjs/core') });
      const pkg = browserPackage(capabilities);
      context.log.debug(`${serial}: ${session.browser.name} ${session.browser.version} session open`);
      return {
        route: 'appium',
        name: session.browser.name,
        version: session.browser.version,
        caps,
        statuses,
        get alive() {
          return session.alive;
        },
        run: (job, options) =>
          session.run(job, {
            ...options,
            // A phone behind a farm is not on this host's adb.
            ...(remote ? {} : { isAlive: () => browserRunning(deps.adb(), serial, pkg, config.timeouts.android.browserAliveMs) }),
          }),
        close: () => session.close(),
      };
    } catch (error) {
      await session.close().catch(() => {});
      throw error;
    }
  };
}
