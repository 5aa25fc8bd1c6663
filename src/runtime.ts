import { parseConfig, readEnv, type Config, type Requirement } from './config.js';
import { createHttpClient, type HttpClient } from './http-client.js';
import { createLogger, type Logger } from './logger.js';
import type { LifecycleDeps } from './token-lifecycle.js';
import { storeTimings } from './store/timings.js';
import { TokenStore } from './token-store.js';
import { VERSION } from './version.js';

export interface GlobalOptions {
  envFile?: string;
}

export interface Runtime extends LifecycleDeps {
  config: Config;
  http: HttpClient;
  log: Logger;
  store: TokenStore;
  /** Ends with the run's deadline (GHL_CHECK_TIMEOUT_SECONDS). */
  signal: AbortSignal;
}


/** Everything a command needs, built from the environment once; tests and the demo build their own. */
export async function createRuntime(options: GlobalOptions, requirements: readonly Requirement[], env = process.env, cwd = process.cwd()): Promise<Runtime> {
  const { env: merged } = readEnv(env, options.envFile, cwd);
  const config = parseConfig(merged, cwd, requirements);
  const log = await createLogger({ level: config.logLevel, service: config.serviceName, pretty: Boolean(process.stdout.isTTY) });
  return assembleRuntime(config, log);
}

export function assembleRuntime(config: Config, log: Logger): Runtime {
  const signal = AbortSignal.timeout(config.checkTimeoutSeconds * 1000);
  const http = createHttpClient({ baseUrl: config.apiBaseUrl, signal, log, userAgent: `ghl-auth/${VERSION}` });
  return { config, log, http, signal, store: new TokenStore(config.tokensFile, log, { timings: storeTimings(config.checkTimeoutSeconds) }), now: Date.now };
}
