import { DEFAULT_API_BASE_URL, parseConfig, readEnv, type Config, type Requirement } from './config.js';
import { createHttpClient, type HttpClient } from './http-client.js';
import { createLogger, type Logger } from './logger.js';
import { GHL_RETRY_POLICY, timerMs } from './retry-policy.js';
import { SecretRegistry } from './secrets.js';
import type { LifecycleDeps } from './token-lifecycle.js';
import { TokenStore } from './token-store.js';
import { VERSION } from './version.js';

export interface GlobalOptions {
  envFile?: string;
}

export interface Runtime extends LifecycleDeps {
  config: Config;
  /** Loads axios on its first request only: commands that send none never load it. */
  http: HttpClient;
  log: Logger;
  store: TokenStore;
  /** Ends with the run's deadline (GHL_CHECK_TIMEOUT_SECONDS). */
  signal: AbortSignal;
  /** Every secret this run knows; what it shows of GHL's answers is scrubbed through it. */
  secrets: SecretRegistry;
}

/** Everything a command needs, built from the environment once; tests and the demo build their own. */
export async function createRuntime(options: GlobalOptions, requirements: readonly Requirement[], env = process.env, cwd = process.cwd()): Promise<Runtime> {
  const { env: merged } = readEnv(env, options.envFile, cwd);
  const config = parseConfig(merged, cwd, requirements);
  const secrets = secretsOf(config);
  const log = await createLogger({ level: config.logLevel, service: config.serviceName, pretty: Boolean(process.stdout.isTTY), secrets });
  return assembleRuntime(config, log, secrets);
}

export function assembleRuntime(config: Config, log: Logger, secrets = secretsOf(config)): Runtime {
  const signal = AbortSignal.timeout(timerMs(config.checkTimeoutSeconds * 1000));
  const http = createHttpClient({
    baseUrl: config.apiBaseUrl,
    service: 'GHL',
    policy: GHL_RETRY_POLICY,
    signal,
    log,
    userAgent: `ghl-auth/${VERSION}`,
    secrets,
    baseUrlSetting: config.apiBaseUrl === DEFAULT_API_BASE_URL ? undefined : 'GHL_API_BASE_URL',
  });
  return { config, log, http, signal, secrets, store: new TokenStore(config.tokensFile, log), now: Date.now };
}

function secretsOf(config: Config): SecretRegistry {
  const secrets = new SecretRegistry();
  secrets.add(config.clientSecret, config.authorizationCode);
  return secrets;
}
