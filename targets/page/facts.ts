/**
 * What a page host's browser is, read once when it opens: its name and
 * version, what the page reported (capabilities), which page runtimes it can
 * run, and the browser and GPU parts of a device block built from them, the
 * same for a desktop browser and a phone's.
 */
import type { DeviceInfo } from '../../harness/core/record.ts';
import type { RuntimeStatus } from '../types.ts';
import type { PageCapabilities } from './app/protocol.ts';
import { packageVersion } from './assets.ts';
import type { HostBrowser, PageHost } from './page-host.ts';
import { runtimeStatuses } from './runtimes.ts';

export interface BrowserFacts {
  browser: HostBrowser;
  caps: PageCapabilities;
  /** Each page runtime available in it or not, from `caps`. */
  statuses: RuntimeStatus[];
}

/** Opens the host's browser and page and reads its facts; `timeoutMs` bounds the page becoming ready. */
export async function readBrowserFacts(host: PageHost, timeoutMs: number): Promise<BrowserFacts> {
  const caps = await host.capabilities(timeoutMs);
  return browserFacts(await host.browser(), caps);
}

/** The facts of a browser whose page said `caps` (read now, or kept from an earlier run: targets/browser/facts-cache.ts). */
export function browserFacts(browser: HostBrowser, caps: PageCapabilities): BrowserFacts {
  const statuses = runtimeStatuses(caps, { tfjs: packageVersion('@tensorflow/tfjs-core'), litert: packageVersion('@litertjs/core') });
  return { browser, caps, statuses };
}

/** The device block's `browser` and `gpu`: the browser as named, its user agent, the WebGL renderer and the WebGPU adapter. */
export function browserBlock(browser: HostBrowser, caps: PageCapabilities): Required<Pick<DeviceInfo, 'browser' | 'gpu'>> {
  const adapter = [caps.webgpu.vendor, caps.webgpu.architecture, caps.webgpu.device, caps.webgpu.description].filter(Boolean).join(' ');
  return {
    browser: { name: browser.name, version: browser.version, userAgent: caps.userAgent },
    gpu: {
      ...(caps.webgl.vendor ? { vendor: caps.webgl.vendor } : {}),
      ...(caps.webgl.renderer ? { renderer: caps.webgl.renderer } : {}),
      ...(adapter ? { adapter } : {}),
    },
  };
}
