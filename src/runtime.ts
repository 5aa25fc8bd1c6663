import { DEFAULT_API_BASE_URL, parseConfig, readEnv, type Config, type ConfigWith, type Env, type Requirement } from './config.js';
import { GhlAuthError, hasCode } from './errors.js';
import { createHttpClient, type HttpClient } from './http-client.js';
import { createLogger, type Logger } from './logger.js';
import { proxyCredentials } from './proxy-credentials.js';
import { createRateLimiter } from './rate-limit.js';
import { deadlineIn, type Deadline } from './deadline.js';
import { GHL_RETRY_POLICY } from './retry-policy.js';
import { SecretRegistry } from './secrets.js';
import { connectionKeyOf, PostgresTokenStore } from './store/postgres/postgres-store.js';
import { storePassword } from './store/postgres/connection.js';
import type { KeptConnections } from './store/postgres/kept-connections.js';
import type { Store } from './store/store.js';
import { storeTimings } from './store/timings.js';
import { TokenStore } from './store/token-store.js';
import { VERSION } from './version.js';

export interface GlobalOptions {
  envFile?: string;
}

/** What a command works with; `C` says which settings it required. */
export interface Runtime<C extends Config = Config> {
  config: C;
  http: HttpClient;
  log: Logger;
  store: Store;
  now: () => number;
  /** The run's deadline (GHL_CHECK_TIMEOUT_SECONDS): no single-use credential is spent too close to it. */
  deadline: Deadline;
  /** Every secret this run knows; what it shows of GHL's answers is scrubbed through it. */
  secrets: SecretRegistry;
}

/** One run's environment: the process environment laid over the .env file, read once per run. */
export interface RunEnvironment {
  env: Env;
  envFile: string | undefined;
  /** The names the env file sets (never their values): which secrets it holds. */
  fileVariables?: string[];
  cwd: string;
  /** An env file that was named but cannot be read: thrown by configFor, while monitoring makes do with `env`. */
  problem?: unknown;
}

export function loadEnvironment(options: GlobalOptions, processEnv: Env = process.env, cwd = process.cwd()): RunEnvironment {
  try {
    return { ...readEnv(processEnv, options.envFile, cwd), cwd };
  } catch (problem) {
    return { env: { ...processEnv }, envFile: undefined, cwd, problem };
  }
}

/** The validated configuration a command needs, with a hint when no .env file was found. */
export function configFor<R extends Requirement = never>(environment: RunEnvironment, requirements: readonly R[]): ConfigWith<R> {
  if (environment.problem) throw environment.problem;
  try {
    return parseConfig(environment.env, environment.cwd, requirements);
  } catch (error) {
    // Most invalid configurations on a new machine are a .env that is not there: say so.
    if (environment.envFile !== undefined || !hasCode(error, 'configuration')) throw error;
    throw new GhlAuthError('configuration', `${error.message}. No .env file was found in ${environment.cwd}: copy .env.example to .env there, or name one with --env-file`);
  }
}

/** Everything a command needs, built from the environment once; tests and the demo build their own. */
export interface RuntimeOptions {
  environment?: RunEnvironment;
  /** 2 for commands whose stdout is their answer. */
  logFd?: 1 | 2;
  /** The log level to use given LOG_LEVEL (a library lets its host's output alone); default: LOG_LEVEL. */
  logLevel?: (configured: string) => string;
  /** Readable lines instead of JSON; default: when stdout is a terminal. */
  pretty?: boolean;
  /** A library's host keeps Postgres connections between calls; a CLI run opens its own. */
  kept?: KeptConnections;
}

export async function createRuntime<R extends Requirement = never>(options: GlobalOptions, requirements: readonly R[], runtime: RuntimeOptions = {}): Promise<Runtime<ConfigWith<R>>> {
  const { environment = loadEnvironment(options), logFd = 1, logLevel = (level) => level, pretty = Boolean(process.stdout.isTTY), kept } = runtime;
  const config = configFor(environment, requirements);
  const secrets = runSecrets(environment);
  const log = await createLogger({ level: logLevel(config.logLevel), service: config.serviceName, pretty, secrets, fd: logFd });
  return assembleRuntime(config, log, secrets, kept);
}

/**
 * A run's secrets, knowing from the start the credentials of the proxies the environment names: axios
 * sends them to the proxy, and a proxy refusing them may echo them back.
 */
export function runSecrets(environment: RunEnvironment): SecretRegistry {
  const secrets = new SecretRegistry();
  secrets.add(...proxyCredentials(environment.env));
  return secrets;
}

/** `secrets` is the registry the logger scrubs with; the configuration's own secrets are added to it. */
export function assembleRuntime<C extends Config>(config: C, log: Logger, secrets = new SecretRegistry(), kept?: KeptConnections): Runtime<C> {
  secrets.add(config.clientSecret, config.authorizationCode, config.tokenKey, config.tokenStore && storePassword(config.tokenStore));
  // The run's deadline (GHL_CHECK_TIMEOUT_SECONDS) aborts every request and backoff.
  const deadline = deadlineIn(config.checkTimeoutSeconds * 1000);
  const http = createHttpClient({
    baseUrl: config.apiBaseUrl,
    service: 'GHL',
    policy: GHL_RETRY_POLICY,
    signal: deadline.signal,
    // A refresh sent with the least time left still has two deadlines for its answer, past this one.
    oneTimeAnswerMs: 2 * config.checkTimeoutSeconds * 1000,
    log,
    userAgent: `ghl-auth/${VERSION}`,
    secrets,
    baseUrlSetting: config.apiBaseUrl === DEFAULT_API_BASE_URL ? undefined : 'GHL_API_BASE_URL',
    // One per run: every location's requests, and the company's, are paced against GHL's burst limit.
    limiter: createRateLimiter(),
  });
  return { config, log, http, deadline, secrets, store: storeFor(config, config.tokenStore ?? config.tokensFile, log, kept), now: Date.now };
}

/**
 * The store at `where`: a postgres:// URL (GHL_TOKEN_STORE, or `tokens migrate --to`), else a token
 * file's path. Every host that shares a connection must use the same one.
 */
export function storeFor(config: Config, where: string, log: Logger, kept?: KeptConnections): Store {
  const timings = storeTimings(config.checkTimeoutSeconds);
  if (!/^postgres(ql)?:\/\//.test(where)) return new TokenStore(where, log, { timings });
  return new PostgresTokenStore({ url: where, schema: config.tokenStoreSchema, tokenKey: config.tokenKey, connectionKey: connectionKeyOf(config), localFile: config.tokensFile, timings, log, kept });
}
