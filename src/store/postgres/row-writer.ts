import type { ClientBase } from 'pg';
import type { Logger } from '../../logger.js';
import type { StoredTokens } from '../../tokens/stored-tokens.js';
import { restoreAdvice, SaveFailed } from '../save-errors.js';
import type { SaveOutcome } from '../store.js';
import { storeFailure } from './connection.js';
import type { Database } from './database.js';
import type { LocalPairs } from './local-pairs.js';
import type { RowCodec } from './row-codec.js';

export interface RowTarget {
  db: Database;
  codec: RowCodec;
  local: LocalPairs;
  /** The quoted table and the row's key. */
  table: string;
  key: string;
  shown: string;
  log: Logger;
  now: () => number;
  /** How long a save that lost its connection is retried: the run's deadline (the claim's life). */
  retryMs: number;
}

/** A save's outcome, and the row's revision after it when this run's pair is in the row. */
export type Saved = { outcome: SaveOutcome; revision?: number };

/**
 * Saves a pair GHL issued, never dropping it: a compare-and-set on the revision the run read (null:
 * no row yet), which also clears the refresh claim. A pair that cannot go into the row is kept on
 * this host, as the file store keeps one beside the token file.
 */
export class RowWriter {
  constructor(private readonly target: RowTarget) {}

  async save(tokens: StoredTokens, seen: number | null | undefined, client: ClientBase | undefined): Promise<Saved> {
    let revision: number | undefined;
    try {
      revision = await this.compareAndSet(tokens, seen, client);
    } catch (error) {
      return this.afterLostConnection(tokens, seen, error);
    }
    if (revision === undefined) return { outcome: this.lostRace(await this.target.local.keep(tokens, this.target.now())) };
    return { outcome: { saved: true }, revision };
  }

  /** The new revision, or undefined when another writer changed the row since `seen`. */
  async compareAndSet(tokens: StoredTokens, seen: number | null | undefined, client: ClientBase | undefined): Promise<number | undefined> {
    const { db, table, key, codec } = this.target;
    const encoded = codec.encode(tokens);
    const result =
      seen === null
        ? await db.query(`INSERT INTO ${table} (key, tokens) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING revision`, [key, encoded], client)
        : await db.query(`UPDATE ${table} SET tokens = $2, revision = revision + 1, refreshing = NULL, moved_to = NULL, updated_at = now() WHERE key = $1 AND revision = $3 RETURNING revision`, [key, encoded, seen ?? -1], client);
    const row = result.rows[0];
    return row ? Number(row.revision) : undefined;
  }

  /**
   * The save failed on the way (the connection or the server went away): the pair is kept on this
   * host first (a pod's disk may not outlive the run, so that is the last resort), then saved over a
   * new connection, retried for `retryMs` while the store does not answer (a restart, a failover);
   * still compare-and-set, so never over a newer pair. Only then does the run end, saying where it is.
   */
  private async afterLostConnection(tokens: StoredTokens, seen: number | null | undefined, error: unknown): Promise<Saved> {
    const { local, shown, log, now, retryMs } = this.target;
    const keptIn = await local.keep(tokens, now()).catch(() => undefined);
    const cause = storeFailure(shown, error).message;
    const giveUpAt = now() + retryMs;
    for (let waitMs = 250; ; waitMs = Math.min(2 * waitMs, 4_000)) {
      const revision = await this.saveAgain(tokens, seen).catch(() => null); // null: the store still does not answer
      if (revision === undefined && keptIn) return { outcome: this.lostRace(keptIn) };
      if (typeof revision === 'number') {
        log.warn(`the token store's connection failed while saving GHL's new pair (${cause}); the pair is saved in ${shown} now`);
        if (keptIn) await local.forget(keptIn);
        return { outcome: { saved: true }, revision };
      }
      if (revision === undefined || now() + waitMs > giveUpAt) break;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    throw new SaveFailed(cause, keptIn, `cannot save tokens to ${shown}: ${cause}${keptIn ? `; the new pair is ${restoreAdvice(keptIn)}` : ''}`, error);
  }

  /** The new revision, undefined when the row changed meanwhile; a lost commit that went through counts as saved. */
  private async saveAgain(tokens: StoredTokens, seen: number | null | undefined): Promise<number | undefined> {
    const lease = await this.target.db.open();
    let saved = false;
    try {
      const revision = (await this.compareAndSet(tokens, seen, lease.client)) ?? (await this.holding(tokens, lease.client));
      saved = true;
      return revision;
    } finally {
      await lease.done(!saved);
    }
  }

  /** A commit whose answer was lost went through all the same: the row's revision when it holds this very pair. */
  private async holding(tokens: StoredTokens, client: ClientBase): Promise<number | undefined> {
    const { db, table, key, codec } = this.target;
    const row = (await db.query(`SELECT tokens, revision FROM ${table} WHERE key = $1`, [key], client)).rows[0];
    return row && codec.decode(row.tokens).token.refresh_token === tokens.token.refresh_token ? Number(row.revision) : undefined;
  }

  private lostRace(keptIn: string): SaveOutcome {
    const { shown } = this.target;
    return { saved: false, keptIn, message: `${shown} was changed by another writer while this run waited for GHL, so it was left as that writer saved it; the pair GHL issued to this run is ${restoreAdvice(keptIn)} if it is the one to use` };
  }
}
