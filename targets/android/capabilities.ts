/**
 * WebDriver capabilities of a phone session, and where the Appium server is.
 * The defaults drive Chrome on the phone through the UiAutomator2 driver;
 * `android.capabilities` is merged over them (a device farm's own keys, a
 * chromedriver path, or the Chromium stand-in CI uses instead of a phone).
 */
import { deepMerge } from '../../harness/core/config.ts';
import { UserError } from '../../harness/core/errors.ts';
import { redactUrl } from '../../harness/core/redact.ts';
import { webDriverEndpointOf, type WebDriverEndpoint } from '../page/webdriver-host.ts';

export type Capabilities = Record<string, unknown>;

/** Chrome on the phone with serial `serial`, through Appium's UiAutomator2 driver. */
export function phoneCapabilities(serial: string): Capabilities {
  return {
    platformName: 'Android',
    browserName: 'Chrome',
    'appium:automationName': 'UiAutomator2',
    'appium:udid': serial,
    // Jobs poll the page, but the orchestrator may leave a session idle between jobs.
    'appium:newCommandTimeout': 600,
  };
}

/** The defaults with the user's capabilities merged over them (objects merge, other values replace). */
export function sessionCapabilities(serial: string, overrides: Capabilities): Capabilities {
  return deepMerge(phoneCapabilities(serial), overrides) as Capabilities;
}

/** The automationName a session asks for (`appium:automationName` or the bare key). */
export function automationNameOf(capabilities: Capabilities): string | undefined {
  const value = capabilities['appium:automationName'] ?? capabilities.automationName;
  return typeof value === 'string' ? value : undefined;
}

/**
 * `--allow-insecure` features a harness-started server needs for these
 * capabilities: chromedriver autodownload (UiAutomator2 fetches the
 * chromedriver matching the phone's Chrome) is off unless the server allows it.
 */
export function insecureFeaturesFor(capabilities: Capabilities): string[] {
  return capabilities['appium:chromedriverAutodownload'] === true ? ['uiautomator2:chromedriver_autodownload'] : [];
}

/** The Android package of the session's browser (Chrome unless chromeOptions name another). */
export function browserPackage(capabilities: Capabilities): string {
  for (const key of ['goog:chromeOptions', 'appium:chromeOptions']) {
    const options = capabilities[key] as { androidPackage?: unknown } | undefined;
    if (typeof options?.androidPackage === 'string') return options.androidPackage;
  }
  return 'com.android.chrome';
}


/**
 * webdriverio's connection options from a URL such as
 * `http://127.0.0.1:4723/`, `http://grid:4444/wd/hub` or
 * `https://USER:KEY@hub.example.com/wd/hub` (device farms put credentials there).
 */
export function endpointFromUrl(url: string): WebDriverEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Never echo it: a URL that does not parse may still hold a key.
    throw new UserError(`android.appiumUrl is not a URL (${redactUrl(url)}): use e.g. http://127.0.0.1:4723/`, 'CONFIG_INVALID');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UserError(`android.appiumUrl "${redactUrl(url)}" must be http:// or https://`, 'CONFIG_INVALID');
  }
  return webDriverEndpointOf(parsed);
}

/** The URL without credentials, for messages; `<redacted url>` when it does not parse (harness/core/redact.ts). */
export { redactUrl };
