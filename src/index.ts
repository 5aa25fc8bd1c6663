/**
 * The package's API, for programs that need the GHL access token: they ask here (or `ghl-auth token`)
 * and never refresh it themselves, since GHL's refresh tokens are single-use. Importing this loads no
 * CLI code and prints nothing.
 */
import { locationProblem, minTtlProblem } from './lifecycle/access-token-rules.js';
import { accessTokenFor } from './lifecycle/access-token.js';
import { forCaller } from './caller-wording.js';
import { CREDENTIALS } from './config.js';
import { GhlAuthError } from './errors.js';
import type { AccessToken, GetAccessTokenOptions } from './public-types.js';
import { createRuntime, loadEnvironment } from './runtime.js';
import { KeptConnections } from './store/postgres/kept-connections.js';

export { ERROR_CODES, GhlAuthError, type ErrorCode } from './errors.js';
export { exitCodeOf } from './exit-codes.js';
export type { AccessToken, GetAccessTokenOptions } from './public-types.js';

/** A library's host owns its output: warnings and errors only, on stderr; LOG_LEVEL can only lower that. */
const QUIET_LEVELS = ['fatal', 'error', 'warn', 'silent'];

/** The Postgres store's connections, kept idle between this process's calls (they never keep it alive). */
const kept = new KeptConnections();

/**
 * A usable access token, refreshed first under the token file's lock when it expires within
 * `minTtlSeconds`, as `ghl-auth token` does. Fails with a GhlAuthError whose `code` is stable
 * (exitCodeOf maps it to the CLI's exit code).
 */
export async function getAccessToken(options: GetAccessTokenOptions = {}): Promise<AccessToken> {
  const { location, minTtlSeconds } = options;
  const problems = [
    ['location', location === undefined ? undefined : locationProblem(location)],
    ['minTtlSeconds', minTtlSeconds === undefined ? undefined : minTtlProblem(minTtlSeconds)],
  ].filter(([, problem]) => problem);
  if (problems.length > 0) throw new GhlAuthError('configuration', `invalid getAccessToken() options: ${problems.map((pair) => pair.join(' ')).join('; ')}`);
  const environment = loadEnvironment({ envFile: options.envFile }, options.env ?? process.env, options.cwd ?? process.cwd());
  const runtime = await createRuntime({}, CREDENTIALS, { environment, logFd: 2, pretty: false, logLevel: (level) => (QUIET_LEVELS.includes(level) ? level : 'warn'), kept });
  return forCaller(accessTokenFor(runtime, { location, minTtlSeconds }));
}
