import { GhlAuthError } from '../errors.js';
import { exchangeCode } from '../oauth/exchange-code.js';
import { saveTokens, type LifecycleDeps } from './obtain.js';
import { keptOddAnswer } from './spent.js';
import type { Store } from '../store/store.js';
import { toStoredTokens, type StoredTokens } from '../tokens/stored-tokens.js';

export interface Replaced {
  stored: StoredTokens;
  /** Where the replaced file was copied, when there was one. */
  backup: string | undefined;
}

/**
 * Policy for tokens that start a new connection (login, exchange, import): an existing token file
 * may be a working connection, so it is replaced only with `force`, and then kept as `<file>.bak`.
 */
export async function assertReplaceable(store: Store, force: boolean): Promise<{ exists: boolean }> {
  const exists = await store.exists();
  if (exists && !force) {
    throw new GhlAuthError(
      'token_file_exists',
      `${store.path} already exists and may hold a working connection: pass --force to replace it (the old file is kept as ${store.backupPath}), or move it away first`,
    );
  }
  return { exists };
}

/**
 * Under the lock: refuse unless `force`, `obtain` the new tokens, keep the old file as `.bak`, then
 * save the new pair before anything uses it. The backup waits for the new pair, so a failed attempt
 * leaves an older backup alone; and it cannot fail the save, so a spent code is never lost to it.
 */
export function replaceTokens(deps: Pick<LifecycleDeps, 'store' | 'log'>, force: boolean, obtain: () => Promise<StoredTokens>, spent?: string): Promise<Replaced> {
  const { store, log } = deps;
  return store.withLock(async () => {
    const { exists } = await assertReplaceable(store, force);
    await store.reserveSave();
    const stored = await obtain();
    const backup = exists
      ? await store.backup().catch((error: unknown) => {
          log.warn({ error: error instanceof Error ? error.message : String(error) }, `the old token file could not be kept as ${store.backupPath}; saving the new tokens anyway`);
          return undefined;
        })
      : undefined;
    const saved = await saveTokens(deps, stored, spent);
    // Another writer's save won the race (saveTokens kept this pair beside and said where).
    if (saved !== stored) throw new GhlAuthError('token_file_locked', `${store.path} was replaced by another ghl-auth run while this one worked; it was left as that run saved it (see the warning above for where the new pair is kept)`);
    return { stored, backup };
  });
}

/** Exchanges a fresh authorization code (single-use: at once, under the lock) and saves the pair. */
export async function authorizeWithCode(deps: LifecycleDeps, code: string, redirectUri: string, force: boolean): Promise<Replaced> {
  let problem: Error | undefined;
  const replaced = await replaceTokens(deps, force, async () => {
    const result = await exchangeCode(deps.http, deps.config, code, redirectUri, deps.now).catch(async (error: unknown) => Promise.reject(await keptOddAnswer(deps, error)));
    problem = result.problem; // thrown once the new pair is saved
    return toStoredTokens(result.token, result.receivedAt);
  }, 'the authorization code');
  if (problem) throw problem;
  return replaced;
}
