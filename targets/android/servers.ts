/**
 * The servers every phone of a run shares, each started once, lazily, by the
 * first job that needs it: the page server (targets/page) and the Appium
 * server (the configured `android.appiumUrl`, else the harness's own).
 */
import type { ResolvedConfig } from '../../harness/core/config.ts';
import type { Logger } from '../../harness/core/log.ts';
import type { PageServer } from '../page/index.ts';
import { driverProblem, installedDriverName, startAppiumServer, type AppiumServer, type StartAppiumOptions } from './appium-server.ts';
import { automationNameOf, insecureFeaturesFor, sessionCapabilities } from './capabilities.ts';
import type { RunLedger } from './run-ledger.ts';

export interface SharedServerOptions {
  /** Starts the harness's own Appium server (when no android.appiumUrl). */
  startAppium?: (options: StartAppiumOptions) => Promise<AppiumServer>;
  /** Starts the page server; default targets/page's `startPageServer`. */
  startPageServer?: (out: string) => Promise<PageServer>;
  /** Environment for Appium lookups (APPIUM_HOME). */
  env?: NodeJS.ProcessEnv;
  /** The run's ledger, where the harness's own Appium server is written while it runs. */
  ledger?: () => RunLedger;
}

export class SharedServers {
  private appium: Promise<AppiumServer> | undefined;
  private pageServer: Promise<PageServer> | undefined;

  constructor(private readonly options: SharedServerOptions) {}

  /** The page server, started once for every phone. */
  page(out: string): Promise<PageServer> {
    this.pageServer ??= (async () => {
      if (this.options.startPageServer) return this.options.startPageServer(out);
      const page = await import('../page/index.ts');
      return page.startPageServer(out);
    })();
    return this.pageServer;
  }

  /** The Appium URL: the configured one, else the harness's own server, started once. */
  async appiumUrl(config: ResolvedConfig, log: Logger): Promise<string> {
    if (config.android.appiumUrl) return config.android.appiumUrl;
    const capabilities = sessionCapabilities('-', config.android.capabilities);
    const automationName = automationNameOf(capabilities) ?? 'UiAutomator2';
    const problem = driverProblem(automationName, this.options.env);
    if (problem) throw new Error(problem);
    // Every session on this server has these capabilities: Appium loads their driver only, not every one installed.
    const driver = installedDriverName(automationName, this.options.env);
    const start = () =>
      (this.options.startAppium ?? startAppiumServer)({
        log,
        allowInsecure: insecureFeaturesFor(capabilities),
        ...(driver ? { drivers: [driver] } : {}),
        timeouts: config.timeouts.android,
        ...(this.options.env ? { env: this.options.env } : {}),
        ...(this.options.ledger ? { ledger: this.options.ledger() } : {}),
      });
    this.appium ??= start();
    const server = await this.appium;
    if (server.running) return server.url;
    // It crashed (a driver bug can take it down with a dying browser): one fresh server for the jobs left.
    log.warn(`the Appium server on ${server.url} exited; starting a new one`);
    this.appium = start();
    return (await this.appium).url;
  }

  /** Stops what was started; `note` collects what failed to stop. */
  async stop(note: (what: string) => (error: unknown) => void): Promise<void> {
    if (this.appium) await (await this.appium.catch(() => undefined))?.stop().catch(note('stopping Appium'));
    if (this.pageServer) await (await this.pageServer.catch(() => undefined))?.close().catch(note('closing the page server'));
    this.appium = undefined;
    this.pageServer = undefined;
  }
}
