import type { ConfigWith, Credentials } from '../config.js';
import { GhlAuthError, hasCode, NEXT_RUN_RETRIES } from '../errors.js';
import { oneTimeMinLeftMs, type Deadline } from '../deadline.js';
import type { HttpClient } from '../http-client.js';
import type { Logger } from '../logger.js';
import { exchangeCode } from '../oauth/exchange-code.js';
import { refreshToken } from '../oauth/refresh-token.js';
import { NoRefreshToken, REFRESH_TOKEN_DEAD, RefreshTokenDead, type GrantResult } from '../oauth/token-grant.js';
import { restoreAdvice, SaveFailed } from '../store/save-errors.js';
import type { SaveOutcome, Store } from '../store/store.js';
import { toStoredTokens, type StoredTokens } from '../tokens/stored-tokens.js';
import { keptOddAnswer, markSpent, refuseSpent } from './spent.js';

export interface LifecycleDeps {
  config: ConfigWith<Credentials>;
  store: Store;
  http: HttpClient;
  log: Logger;
  now: () => number;
  /** The run's (or a location's) deadline: a single-use credential is sent only with time left for the answer. */
  deadline?: Deadline;
}

export type TokenAction = 'reused' | 'exchanged' | 'refreshed';

export interface UsableTokens {
  stored: StoredTokens;
  action: TokenAction;
}

/**
 * Policy: a usable access token, saved before it is used. Exchanges the code when there is no file,
 * refreshes when the token expires within `minTtlSeconds` (the margin unless a caller needs longer);
 * all of it under the store's lock. `afterwards` runs under the same lock once that work ends, however
 * it ended.
 */
export function obtainAccessToken(deps: LifecycleDeps, minTtlSeconds = deps.config.refreshMarginSeconds, afterwards?: () => Promise<void>): Promise<UsableTokens> {
  return deps.store.withLock(() => usableUnderLock(deps, minTtlSeconds).finally(afterwards));
}

async function usableUnderLock(deps: LifecycleDeps, minTtlSeconds: number): Promise<UsableTokens> {
  const { config, store, log, now } = deps;
  const current = await store.read();
  if (!current) return { stored: await exchangeAndSave(deps), action: 'exchanged' };
  if (config.authorizationCode) {
    log.warn('GHL_AUTHORIZATION_CODE is ignored: a token file exists and codes are single-use; remove it from .env');
  }
  refuseSpent(current);
  if (isFresh(current, minTtlSeconds, now)) return { stored: current, action: 'reused' };
  return { stored: await refreshAndSave(deps, current), action: 'refreshed' };
}

/**
 * For callers that only need a token (`ghl-auth token`, getAccessToken()): a fresh one is read
 * without the lock, as saves are atomic renames, so any number of callers never wait on each other
 * or on a run; only one that needs a refresh (or a first exchange) takes the lock.
 */
export async function usableAccessToken(deps: LifecycleDeps, minTtlSeconds = deps.config.refreshMarginSeconds): Promise<UsableTokens> {
  const current = await deps.store.read();
  if (current) refuseSpent(current);
  if (current && isFresh(current, minTtlSeconds, deps.now)) return { stored: current, action: 'reused' };
  return obtainAccessToken(deps, minTtlSeconds);
}

/** A pair saved without an access token (GHL sent none) has only its refresh token to offer. */
const isFresh = (current: StoredTokens, minTtlSeconds: number, now: () => number) =>
  Date.parse(current.expiresAt) - now() > minTtlSeconds * 1000 && Boolean(current.token.access_token);

/**
 * After GHL rejected `rejectedAccessToken`: refresh once, unless another run already did (then its
 * newer token is used and no refresh token is spent).
 */
export function refreshAfterRejection(deps: LifecycleDeps, rejectedAccessToken: string): Promise<StoredTokens> {
  return deps.store.withLock(async () => {
    const current = await deps.store.read();
    if (!current) throw missingTokenFile(deps.store.path);
    if (current.token.access_token !== rejectedAccessToken) return current;
    return refreshAndSave(deps, current);
  });
}

/** Refresh on demand: always with `force`, else only within the margin. */
export function refreshNow(deps: LifecycleDeps, force: boolean): Promise<UsableTokens> {
  if (!force) return obtainAccessToken(deps);
  return deps.store.withLock(async () => {
    const current = await deps.store.read();
    if (!current) throw missingTokenFile(deps.store.path);
    return { stored: await refreshAndSave(deps, current), action: 'refreshed' };
  });
}

async function exchangeAndSave(deps: LifecycleDeps): Promise<StoredTokens> {
  const { config, store, http, log, now } = deps;
  if (!config.authorizationCode) throw missingTokenFile(store.path);
  if (!config.redirectUri) {
    throw new GhlAuthError('configuration', 'GHL_REDIRECT_URI is required to exchange GHL_AUTHORIZATION_CODE: set it to the redirect URI registered for your app');
  }
  await store.reserveSave();
  if (tooLateToSpend(deps)) throw tooLate(deps, 'exchange the authorization code', 'the code is unused');
  log.info('no token file yet: exchanging GHL_AUTHORIZATION_CODE');
  const result = await exchangeCode(http, config, config.authorizationCode, config.redirectUri, now).catch(async (error: unknown) => Promise.reject(await keptOddAnswer(deps, error)));
  return saveThenJudge(deps, result, 'the authorization code');
}

/**
 * Spends the refresh token, once: only under a claim no live run contests, only after the save is
 * proven possible, and only while the file still holds it. The claim outlives a kill between GHL's
 * answer and the save, so the run that next meets "Invalid grant" can name the cause.
 */
async function refreshAndSave(deps: LifecycleDeps, current: StoredTokens): Promise<StoredTokens> {
  const { config, store, http, log, now } = deps;
  refuseSpent(current);
  const claim = await store.claimRefresh(current);
  if ('superseded' in claim) {
    refuseSpent(claim.superseded);
    log.info('another run saved new tokens meanwhile: using them, nothing refreshed');
    return claim.superseded;
  }
  try {
    await store.reserveSave();
    if (tooLateToSpend(deps)) throw tooLate(deps, 'send the refresh', 'the token is unspent');
  } catch (error) {
    await store.releaseClaim();
    throw error;
  }
  log.info({ expiresAt: current.expiresAt }, 'refreshing the access token');
  let result: GrantResult;
  try {
    result = await refreshToken(http, config, current.token, now);
  } catch (error) {
    if (error instanceof NoRefreshToken) throw await keptOddAnswer(deps, error, current);
    if (error instanceof RefreshTokenDead) await markSpent(deps, current, `GHL answered ${error.answer}`);
    if (hasCode(error, 'reauthorization_required') && claim.abandoned) {
      throw new GhlAuthError(
        'reauthorization_required',
        `${REFRESH_TOKEN_DEAD}. Cause: an earlier run (started ${claim.abandoned.startedAt}) sent this refresh token to GHL and was stopped or cut off before it saved the new one, so the rotation was lost`,
      );
    }
    // No answer, or an answer we could not read: GHL may have spent the token, so the claim stays.
    if (!hasCode(error, 'ghl_unavailable') && !hasCode(error, 'ghl_unexpected_response')) await store.releaseClaim();
    throw error;
  }
  return saveThenJudge(deps, result, 'the refresh token');
}

/** Too little of the deadline left for a one-time request's answer to be due within it. */
const tooLateToSpend = ({ deadline, config }: LifecycleDeps) => deadline !== undefined && deadline.remainingMs() < oneTimeMinLeftMs(config.checkTimeoutSeconds);

function tooLate({ deadline, config }: LifecycleDeps, what: string, unspent: string): GhlAuthError {
  const left = Math.round(deadline?.remainingMs() ?? 0);
  return new GhlAuthError(
    'ghl_unavailable',
    `only ${left} ms of the run deadline (GHL_CHECK_TIMEOUT_SECONDS) were left, less than the ${oneTimeMinLeftMs(config.checkTimeoutSeconds)} ms an answer may need, so ghl-auth did not ${what}; ${unspent}, ${NEXT_RUN_RETRIES}`,
  );
}

/** A new pair is saved first, however odd GHL's answer was: what was wrong is thrown only then. */
async function saveThenJudge(deps: LifecycleDeps, result: GrantResult, spent: string): Promise<StoredTokens> {
  const stored = await saveTokens(deps, toStoredTokens(result.token, result.receivedAt), spent);
  if (result.problem) throw result.problem;
  return stored;
}

/**
 * Call holding the lock. `spent` names what GHL consumed to issue the pair (a code, a refresh
 * token): the pair then exists nowhere else, so a failed save must say where it was kept, or that
 * the connection is lost. A pair that lost to another writer's save leaves that save in place and
 * the check goes on with it.
 */
export async function saveTokens(deps: Pick<LifecycleDeps, 'store' | 'log'>, stored: StoredTokens, spent?: string): Promise<StoredTokens> {
  let outcome: SaveOutcome;
  try {
    outcome = await deps.store.write(stored);
  } catch (error) {
    if (!spent || !(error instanceof GhlAuthError)) throw error;
    if (error instanceof SaveFailed && error.keptIn) {
      throw new GhlAuthError('token_file_unwritable', `GHL issued new tokens for ${spent}, which is now spent, but they could not be saved (${error.reason}). They are ${restoreAdvice(error.keptIn)}`, { cause: error });
    }
    throw new GhlAuthError(
      'reauthorization_required',
      `GHL issued new tokens for ${spent}, which is now spent, but they could not be saved (${error.message}). The connection is lost: fix that, then re-authorize (ghl-auth login --force)`,
      { cause: error },
    );
  }
  if (!outcome.saved) {
    deps.log.warn(outcome.message);
    const now = await deps.store.read();
    if (!now) throw missingTokenFile(deps.store.path);
    return now;
  }
  deps.log.info({ expiresAt: stored.expiresAt, locationId: stored.token.locationId }, 'new tokens saved');
  return stored;
}

/** How a token rejected by GHL was renewed, when that was a refresh (refreshAfterRejection). */
export const REFRESHED = 'ghl-auth refreshed it';

/**
 * A 401 that survives a new token is not the token's age: a human has to look. `renewed` says how the
 * token was replaced ("ghl-auth refreshed it"), so nobody takes it for a token that merely expired.
 */
export function reauthorizeOn401(error: unknown, renewed: string): unknown {
  if (!hasCode(error, 'access_token_rejected')) return error;
  return new GhlAuthError('reauthorization_required', `${error.message} even after ${renewed}, so it is not an expired token: re-authorize (ghl-auth login --force)`, { cause: error });
}

export function missingTokenFile(path: string): GhlAuthError {
  return new GhlAuthError(
    'token_file_missing',
    `${/^postgres(ql)?:/.test(path) ? `no connection in ${path} for this GHL_CLIENT_ID and GHL_LOCATION_ID` : `no token file at ${path}`}: authorize first with \`ghl-auth login\`, or put a fresh authorization code in GHL_AUTHORIZATION_CODE (with GHL_REDIRECT_URI) and run again`,
  );
}
