/**
 * Browsers on another machine (config `browser.endpoints`, `--browser-endpoint`):
 * a Playwright server (`ws://` or `wss://`, e.g. `playwright run-server` or
 * `launchServer`) reached over its websocket, or a WebDriver server / Selenium
 * Grid (`http://` or `https://`). Either runs the same page host as a local
 * browser. The benchmark page is served on this machine's loopback only:
 * through a Playwright server the remote browser reaches it over the same
 * connection (`exposeNetwork: '<loopback>'`); a WebDriver browser must be able
 * to open this machine's 127.0.0.1 itself (the same machine, or a tunnel).
 * URLs may hold credentials: they are redacted wherever printed or written
 * (harness/core/redact.ts registers every URL of the config).
 */
import { UserError } from '../../harness/core/errors.ts';
import type { DeviceInfo } from '../../harness/core/record.ts';
import { redactUrl } from '../../harness/core/redact.ts';
import type { PageCapabilities } from '../page/app/protocol.ts';
import { browserBlock } from '../page/facts.ts';
import type { HostBrowser } from '../page/page-host.ts';
import type { BrowserSource } from '../page/playwright-host.ts';
import { webDriverEndpointOf, type WebDriverEndpoint } from '../page/webdriver-host.ts';

export type RemoteEndpoint = { protocol: 'playwright'; url: string; where: string } | { protocol: 'webdriver'; url: string; where: string; endpoint: WebDriverEndpoint; browserName: string };

/** Reads one `browser.endpoints` URL; a URL of another scheme, or none, is a one-line error. */
export function parseEndpoint(url: string): RemoteEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`browser.endpoints: not a URL (${redactUrl(url)}): use ws://host:port/… for a Playwright server or http://host:port/… for a WebDriver server`, 'CONFIG_INVALID');
  }
  const where = parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
  if (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') return { protocol: 'playwright', url, where };
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    // `?browserName=firefox` picks the grid's browser (default chrome); the rest of the URL is the server's.
    const browserName = parsed.searchParams.get('browserName') ?? 'chrome';
    parsed.searchParams.delete('browserName');
    return {
      protocol: 'webdriver',
      url,
      where,
      browserName,
      endpoint: webDriverEndpointOf(parsed),
    };
  }
  throw new UserError(`browser.endpoints: ${redactUrl(url)} is neither ws(s):// (a Playwright server) nor http(s):// (a WebDriver server)`, 'CONFIG_INVALID');
}

/** A Playwright server's browser as the CDP page host's source: connected (never launched), a new context per job. */
export function playwrightServer(endpoint: RemoteEndpoint, timeoutMs: number): BrowserSource {
  return {
    name: `browser at ${endpoint.where}`,
    // `chromium.connect`: a Playwright server for another engine refuses the connection.
    product: 'chromium',
    open: async () => {
      const { chromium } = await import('playwright-core');
      return chromium.connect(endpoint.url, { timeout: timeoutMs, exposeNetwork: '<loopback>' });
    },
    newPage: (browser) => browser.newPage(),
    closePage: (page) => page.context().close(),
    // Closing a connected browser closes this client's contexts and disconnects; the server's browser stays.
    release: async (browser) => {
      await browser?.close().catch(() => {});
    },
  };
}

/** A device id segment from a host name and port: `10.0.0.7-3000`. */
function hostSegment(where: string): string {
  return where.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
}

/**
 * The device block of a remote browser, from what it says of itself (its
 * version, user agent, cores, WebGL/WebGPU adapters): nothing of this
 * machine's is in it but the endpoint, redacted, and the host it names.
 */
export function remoteDevice(endpoint: RemoteEndpoint, browser: HostBrowser, caps: PageCapabilities): DeviceInfo {
  const name = browser.name.toLowerCase().replace(/[^a-z0-9]+/g, '-') || 'browser';
  const major = browser.version.split('.')[0] ?? browser.version;
  const block = browserBlock(browser, caps);
  return {
    id: `${name}-${major}-at-${hostSegment(endpoint.where)}`,
    kind: 'browser',
    name: `${browser.name} ${browser.version} at ${endpoint.where}`,
    cores: caps.hardwareConcurrency,
    ...block,
    extra: {
      remote: true,
      endpoint: redactUrl(endpoint.url),
      host: endpoint.where,
      protocol: endpoint.protocol,
      crossOriginIsolated: caps.crossOriginIsolated,
      simd: caps.wasm.simd,
      relaxedSimd: caps.wasm.relaxedSimd,
      threads: caps.wasm.threads ? caps.hardwareConcurrency : 1,
    },
  };
}

