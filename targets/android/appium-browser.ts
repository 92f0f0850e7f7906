/**
 * The Appium route: a WebDriver page host (targets/page/webdriver-host.ts) on Chrome on the
 * phone, through the harness's own Appium server or an external server, grid
 * or device farm (`android.appiumUrl`). While a job runs, adb tells a page
 * busy measuring from a browser that died (`pidof`).
 */
import { firstLine } from '../../harness/core/format.ts';
import { AdbCommandError, DeviceDisconnectedError, shellQuote, type Adb } from './adb.ts';
import { driverProblem } from './appium-server.ts';
import { readBrowserFacts } from '../page/facts.ts';
import type { PageHost } from '../page/page-host.ts';
import type { WebDriverHostOptions } from '../page/webdriver-host.ts';
import { automationNameOf, browserPackage, endpointFromUrl, redactUrl, sessionCapabilities } from './capabilities.ts';
import type { OpenPhoneBrowser, PhoneBrowser } from './phone-browser.ts';
import type { SharedServers } from './servers.ts';

export interface AppiumBrowserDeps {
  adb(): Adb;
  servers: SharedServers;
  /** Opens the WebDriver page host (targets/page/webdriver-host.ts's openWebDriverHost). */
  openWebDriver(options: WebDriverHostOptions): Promise<PageHost>;
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
    const pkg = browserPackage(capabilities);
    let host: PageHost;
    try {
      host = await deps.openWebDriver({
        endpoint: endpointFromUrl(url),
        capabilities,
        name: `${String(capabilities.browserName ?? 'browser')} on ${serial}`,
        pageUrl,
        timeouts: config.timeouts.android,
        // A phone behind a farm is not on this host's adb.
        ...(remote ? {} : { isAlive: () => browserRunning(deps.adb(), serial, pkg, config.timeouts.android.browserAliveMs) }),
      });
    } catch (error) {
      const message = (error as Error).message;
      const hint = /could not find a driver|no driver/i.test(message) ? ` (${driverProblem(automationNameOf(capabilities) ?? 'UiAutomator2', deps.env) ?? 'install the driver on that server'})` : '';
      throw new Error(`cannot open a WebDriver session on ${serial} through ${redactUrl(url)}: ${firstLine(message)}${hint}`, { cause: error });
    }
    try {
      const facts = await readBrowserFacts(host, config.timeouts.android.pageReadyMs);
      context.log.debug(`${serial}: ${facts.browser.name} ${facts.browser.version} session open`);
      return { route: 'appium', host, facts };
    } catch (error) {
      await host.close().catch(() => {});
      throw error;
    }
  };
}
