import { GhlAuthError } from '../errors.js';
import { NoRefreshToken } from '../oauth/token-grant.js';
import { keepAnswer } from '../store/keep-answer.js';
import { markedSpent, spentMarkOf, spentMessage, type StoredTokens } from '../tokens/stored-tokens.js';
import type { LifecycleDeps } from './obtain.js';

/**
 * Policy: a refresh token GHL declared dead is never sent again. Every run that needs it ends here,
 * exit 3, even while its access token lasts: the connection is lost either way, and a human told now
 * can authorize again before the access token expires.
 */
export function refuseSpent(stored: StoredTokens): void {
  const mark = spentMarkOf(stored);
  if (mark) throw new GhlAuthError('reauthorization_required', spentMessage(mark));
}

/**
 * Call holding the lock the refresh took: marks `current`'s refresh token spent in the token file.
 * A mark that cannot be saved is said, not thrown: what the run ends with is GHL's verdict.
 */
export async function markSpent(deps: Pick<LifecycleDeps, 'store' | 'log' | 'now'>, current: StoredTokens, reason: string): Promise<void> {
  const { store, log, now } = deps;
  try {
    if (await store.markSpent(markedSpent(current, reason, now()))) log.info('the refresh token is marked spent in the token file: no run sends it again');
    else log.warn(`${store.path} was changed by another writer meanwhile; it was left as that writer saved it`);
  } catch (error) {
    log.warn({ error: error instanceof Error ? error.message : String(error) }, `could not mark the refresh token spent in ${store.path}; the next run may send it again`);
  }
}

/**
 * A 2xx answer without a refresh token: GHL may have consumed what was sent (the stored refresh
 * token, or a code), and nothing replaces it. The answer is kept beside the token file, redacted; a
 * refresh token sent (`current`) is marked spent, never to be sent again. Other errors pass through.
 */
export async function keptOddAnswer(deps: Pick<LifecycleDeps, 'store' | 'log' | 'now'>, error: unknown, current?: StoredTokens): Promise<unknown> {
  if (!(error instanceof NoRefreshToken)) return error;
  const where = await keepAnswer(deps.store.localFile, error.kept, deps.now()).then(
    (path) => `GHL's answer is kept, redacted, in ${path}`,
    (failure: unknown) => `GHL's answer could not be kept (${failure instanceof Error ? failure.message : String(failure)})`,
  );
  if (current) await markSpent(deps, current, `GHL answered a refresh with ${error.kept.status} but no refresh token, so it may have rotated it; ${where}`);
  return new GhlAuthError('reauthorization_required', `${error.message}; ${where}`, { cause: error });
}
