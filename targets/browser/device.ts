/**
 * The DeviceInfo of a desktop browser: its name, version and what the page
 * reported about it (WebGL/WebGPU adapters, isolation, SIMD, threads).
 */
import { cpus, totalmem, type as osType, release } from 'node:os';
import type { DeviceInfo } from '../../harness/core/record.ts';
import type { PageCapabilities } from '../page/app/protocol.ts';
import { browserBlock } from '../page/facts.ts';
import type { BrowserCandidate } from './browsers.ts';

/** `Chromium 156.0.8078.108`, `Firefox 142.0`, … */
export function browserDisplayName(candidate: BrowserCandidate, version: string): string {
  const label = candidate.name.replace(/^playwright-/, '');
  const pretty = label === 'chrome' ? 'Chrome' : label === 'webkitgtk' ? 'WebKitGTK' : label.charAt(0).toUpperCase() + label.slice(1);
  return `${pretty}${candidate.source === 'playwright' ? ' (Playwright)' : ''} ${version}`;
}

/**
 * Device id used in measurement keys: `<browser>-<major version>`, stable
 * across patch updates. WebKitGTK keeps its minor too: its releases are
 * 2.x, each a different engine (`webkitgtk-2.50`).
 */
export function browserDeviceId(candidate: BrowserCandidate, version: string): string {
  const parts = version.split('.');
  const release = candidate.engine === 'webkit' && parts.length > 1 ? parts.slice(0, 2).join('.') : (parts[0] ?? version);
  return `${candidate.name}-${release}`;
}

export function browserDevice(candidate: BrowserCandidate, version: string, caps: PageCapabilities, options: { headless: boolean }): DeviceInfo {
  const { browser, gpu } = browserBlock({ name: candidate.name, version }, caps);
  return {
    id: browserDeviceId(candidate, version),
    kind: 'browser',
    name: browserDisplayName(candidate, version),
    os: `${osType()} ${release()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: caps.hardwareConcurrency,
    memoryBytes: totalmem(),
    browser,
    gpu,
    extra: {
      crossOriginIsolated: caps.crossOriginIsolated,
      simd: caps.wasm.simd,
      relaxedSimd: caps.wasm.relaxedSimd,
      threads: caps.wasm.threads ? caps.hardwareConcurrency : 1,
      headless: options.headless,
      executable: candidate.executablePath,
    },
  };
}
