import type { StoredTokens } from '../tokens/stored-tokens.js';
import type { ClaimOutcome } from './claim-refresh.js';
import type { KeptFile } from './kept-pairs.js';
import type { RefreshClaim } from './refresh-claims.js';

/** A save that lost to another writer: the pair is kept in a local file, nothing replaced. */
export type SaveOutcome = { saved: true } | { saved: false; keptIn: string; message: string };

/**
 * Where the one GHL connection lives: the token file (TokenStore) or a Postgres row
 * (PostgresTokenStore). What the lifecycle and the commands use of it, nothing more; the rules every
 * implementation keeps are in docs/design.md (and docs/postgres-store.md).
 */
export interface Store {
  /** What messages name: the token file's path, or the store's URL without its password. */
  readonly path: string;
  /** Local files that belong to the connection (kept pairs, kept answers) are named after this path. */
  readonly localFile: string;
  /** Where `backup()` puts the replaced pair, for messages. */
  readonly backupPath: string;
  withLock<T>(fn: () => Promise<T>): Promise<T>;
  read(): Promise<StoredTokens | undefined>;
  reserveSave(): Promise<void>;
  write(tokens: StoredTokens): Promise<SaveOutcome>;
  markSpent(marked: StoredTokens): Promise<boolean>;
  exists(): Promise<boolean>;
  backup(): Promise<string>;
  claimRefresh(current: StoredTokens): Promise<ClaimOutcome>;
  releaseClaim(): Promise<void>;
  refreshInFlight(stored: StoredTokens): Promise<RefreshClaim | undefined>;
  keptFiles(): Promise<KeptFile[]>;
  /** After `tokens migrate`: this store must not be used again; answers what it says about where it went. */
  retire(movedTo: string): Promise<string>;
}
