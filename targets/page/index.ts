/**
 * The benchmark page shared by every target that drives a browser: the
 * desktop browsers (targets/browser) and the phones' (targets/android).
 * Start the server with `startPageServer`, open a PageHost on a browser
 * (`PlaywrightHost` over CDP and `BidiHost` over WebDriver BiDi, both a
 * `DrivenHost` on their library's BrowserDriver,
 * `openWebDriverHost` over WebDriver, `SessionHost` reopening its sessions), read its
 * facts with `readBrowserFacts`, and run each job with `runPageJob`
 * (see docs/protocol.md).
 *
 * ./app is the code bundled into the page; the rest runs on the host.
 */
export * from './app/protocol.ts';
export { runtimeSizes, RUNTIME_SIZE_ENTRIES, type RuntimeSizeOptions } from './sizes.ts';
export { buildPageBundle, PAGE_SCRIPT, pageBundleDir, type PageBundle } from './bundle.ts';
export { startStaticServer, ISOLATION_HEADERS, type StaticServer } from './server.ts';
export { runtimeStatuses, RUNTIME_FORMATS } from './runtimes.ts';
export { packageVersion } from './assets.ts';
export { toJobResult, toPageJob } from './mapping.ts';
export { chooseThreads, decideWasmSettings, keyedWasmSettings, pageKeyOptions, PHONE_MAX_THREADS, settingsProblem, THREAD_RULES, type ThreadRule, type WasmFeatures } from './settings.ts';
export { normalizeReference } from './reference.ts';
export { readTfliteIo, type TfliteIo, type TfliteTensorInfo } from './app/tflite-io.ts';
export { preparePageJob, startPageServer, type PageServer } from './page-server.ts';
export { hostFailure, type HostBrowser, type PageHost, type RunPageJobOptions } from './page-host.ts';
export { DrivenHost, type BrowserDriver, type DrivenHostOptions } from './driven-host.ts';
export { PlaywrightHost, type BrowserSource, type PageHook, type PlaywrightHostOptions } from './playwright-host.ts';
export { BidiHost, type BidiHostOptions, type BidiSource } from './bidi-host.ts';
export { SessionHost, type SessionHostOptions } from './session-host.ts';
export { devtoolsProbe, openWebDriverHost, type AliveProbe, type SessionTimeouts, type WebDriverEndpoint, type WebDriverHostOptions } from './webdriver-host.ts';
export { browserBlock, browserFacts, readBrowserFacts, type BrowserFacts } from './facts.ts';
export { runPageJob, type PageJobRun } from './job-flow.ts';
export { runPagePair } from './pair-flow.ts';
