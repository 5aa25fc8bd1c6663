import type { ClientBase, QueryResultRow } from 'pg';
import { GhlAuthError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { fingerprint, type StoredTokens } from '../../tokens/stored-tokens.js';
import type { ClaimOutcome } from '../claim-refresh.js';
import type { KeptFile } from '../kept-pairs.js';
import type { RefreshClaim } from '../refresh-claims.js';
import type { SaveOutcome, Store } from '../store.js';
import type { StoreTimings } from '../timings.js';
import { describeStoreUrl, storeFailure } from './connection.js';
import { RowWriter } from './row-writer.js';
import { Database, type QueryResult } from './database.js';
import type { KeptConnections, Lease } from './kept-connections.js';
import { LocalPairs } from './local-pairs.js';
import { lockKeyOf, RowCodec } from './row-codec.js';
import { newClaim, refuseIfKeptHere, type RowClaim } from './row-claim.js';
import { quoted } from './schema.js';
import { holderOf, lockBusy } from './lock-holder.js';

export { connectionKeyOf } from './row-codec.js';

export interface PostgresStoreOptions {
  url: string;
  schema: string;
  tokenKey: string | undefined;
  /** connectionKeyOf(config): which row. */
  connectionKey: string;
  /** GHL_TOKENS_FILE: where pairs that could not be saved are kept on this host. */
  localFile: string;
  timings: StoreTimings;
  log: Logger;
  now?: () => number;
  /** A library's host: connections kept between calls (a CLI run opens its own). */
  kept?: KeptConnections;
}

/**
 * One connection as a row of `<schema>.connections`, shared by every host. A run's lock is a
 * session-level advisory lock on its own connection: it ends with the session, so a killed run's
 * lock is gone at once, and a refresh claim found under the lock is certainly its maker's leftover.
 * Every write is a compare-and-set on the revision this run read.
 */
export class PostgresTokenStore implements Store {
  readonly path: string;
  readonly localFile: string;
  readonly backupPath: string;
  private readonly table: string;
  private readonly codec: RowCodec;
  private readonly local: LocalPairs;
  private readonly now: () => number;
  private readonly db: Database;
  private readonly writer: RowWriter;
  private client: ClientBase | undefined;
  /** The revision this run last read (null: no row); a write replaces only that one. */
  private seen: number | null | undefined;
  private claim: RowClaim | undefined;

  constructor(private readonly options: PostgresStoreOptions) {
    this.path = describeStoreUrl(options.url);
    this.localFile = options.localFile;
    this.backupPath = `the column previous of the row ${options.connectionKey} in ${this.path}`;
    this.table = `${quoted(options.schema)}.connections`;
    this.codec = new RowCodec(options.tokenKey, options.connectionKey, this.path);
    this.local = new LocalPairs(options.localFile);
    this.now = options.now ?? Date.now;
    this.db = new Database(options.url, this.path, options.schema, options.timings.waitMs, options.kept);
    this.writer = new RowWriter({ db: this.db, codec: this.codec, local: this.local, table: this.table, key: options.connectionKey, shown: this.path, log: options.log, now: this.now, retryMs: options.timings.claimMs });
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const lease = await this.open();
    const { client } = lease;
    const lockKey = lockKeyOf(this.options.schema, this.options.connectionKey);
    // Kept only if the work succeeded and its lock is released; any other connection is closed,
    // which ends its lock with the session (no unlock waiting on a connection that died).
    let keep = false;
    try {
      await client.query(`SET lock_timeout = ${this.options.timings.waitMs}`).catch((error: unknown) => Promise.reject(storeFailure(this.path, error)));
      await client.query('SELECT pg_advisory_lock($1::bigint)', [lockKey]).catch(async (error: { code?: string }) => {
        if (error.code !== '55P03') throw storeFailure(this.path, error);
        throw lockBusy(this.path, this.options.connectionKey, this.options.timings.waitMs, await holderOf(client, lockKey));
      });
      this.client = client;
      const result = await fn();
      const unlocked = await client.query('SELECT pg_advisory_unlock($1::bigint) AS released', [lockKey]).catch(() => undefined);
      keep = unlocked?.rows[0]?.released === true;
      return result;
    } finally {
      this.client = undefined;
      await lease.done(!keep);
    }
  }

  async read(): Promise<StoredTokens | undefined> {
    const row = await this.row('tokens, revision, moved_to, updated_at');
    this.seen = row ? Number(row.revision) : null;
    if (!row) return undefined;
    if (row.moved_to) {
      throw new GhlAuthError('configuration', `the connection in ${this.path} was moved to ${String(row.moved_to)} by \`ghl-auth tokens migrate\` (${new Date(row.updated_at as string).toISOString()}): point GHL_TOKEN_STORE / GHL_TOKENS_FILE there`);
    }
    return this.codec.decode(row.tokens);
  }

  /** Before anything is spent: the store takes writes now (not a standby, the privileges are there). */
  async reserveSave(): Promise<void> {
    if (this.seen === undefined) this.seen = await this.revision();
    await this.query(`UPDATE ${this.table} SET revision = revision WHERE key = $1 AND false`, [this.options.connectionKey]);
  }

  async write(tokens: StoredTokens): Promise<SaveOutcome> {
    const { outcome, revision } = await this.writer.save(tokens, this.seen, this.client);
    if (revision !== undefined) {
      this.seen = revision;
      this.claim = undefined;
    }
    return outcome;
  }

  async markSpent(marked: StoredTokens): Promise<boolean> {
    const result = await this.query(`UPDATE ${this.table} SET tokens = $2, revision = revision + 1, refreshing = NULL, updated_at = now() WHERE key = $1 AND revision = $3 RETURNING revision`, [
      this.options.connectionKey,
      this.codec.encode(marked),
      this.seen ?? -1,
    ]);
    const row = result.rows[0];
    if (row) this.seen = Number(row.revision);
    this.claim = undefined;
    return row !== undefined;
  }

  /** A row marked moved by `tokens migrate` holds no connection any more: a new one may replace it. */
  async exists(): Promise<boolean> {
    return (await this.row('moved_to'))?.moved_to === null;
  }

  /** The replaced pair stays in the row itself (column `previous`), encrypted as the tokens are. */
  async backup(): Promise<string> {
    await this.query(`UPDATE ${this.table} SET previous = tokens WHERE key = $1`, [this.options.connectionKey]);
    return this.backupPath;
  }

  async claimRefresh(current: StoredTokens): Promise<ClaimOutcome> {
    const print = fingerprint(current.token.refresh_token);
    const row = await this.row('tokens, revision, refreshing');
    if (!row) throw new GhlAuthError('token_file_missing', `the connection was removed from ${this.path} while this run was about to refresh; nothing was sent to GHL`);
    if (Number(row.revision) !== this.seen) return { superseded: this.codec.decode(row.tokens) };
    // Under the advisory lock, a claim on this token is a dead run's: it held the lock while it lived.
    const earlier = (row.refreshing as RowClaim | null)?.refreshToken === print ? (row.refreshing as RowClaim) : undefined;
    if (earlier) await refuseIfKeptHere(earlier, this.local, this.path);
    const claim = await newClaim(print, this.options.timings.claimMs, this.now());
    const result = await this.query(`UPDATE ${this.table} SET refreshing = $2 WHERE key = $1 AND revision = $3`, [this.options.connectionKey, claim, this.seen]);
    if (result.rowCount !== 1) return this.claimRefresh(current); // changed meanwhile: judged again
    this.claim = claim;
    return { claimPath: `${this.path} (row ${this.options.connectionKey}, column refreshing)`, abandoned: earlier };
  }

  async releaseClaim(): Promise<void> {
    if (!this.claim) return;
    await this.query(`UPDATE ${this.table} SET refreshing = NULL WHERE key = $1 AND refreshing->>'id' = $2`, [this.options.connectionKey, this.claim.id]);
    this.claim = undefined;
  }

  async refreshInFlight(stored: StoredTokens): Promise<RefreshClaim | undefined> {
    const claim = (await this.row('refreshing'))?.refreshing as RowClaim | null | undefined;
    return claim?.refreshToken === fingerprint(stored.token.refresh_token) ? claim : undefined;
  }

  keptFiles(): Promise<KeptFile[]> {
    return this.local.list();
  }

  /** The row stays (with its tokens), marked moved: every run that reads it stops with exit 2 naming where. */
  async retire(movedTo: string): Promise<string> {
    await this.query(`UPDATE ${this.table} SET moved_to = $2, refreshing = NULL, revision = revision + 1, updated_at = now() WHERE key = $1`, [this.options.connectionKey, movedTo]);
    return `the row ${this.options.connectionKey} in ${this.path} is marked as moved to ${movedTo}: runs still pointed at it stop with exit 2 saying where it went`;
  }

  private async revision(): Promise<number | null> {
    const row = await this.row('revision');
    return row ? Number(row.revision) : null;
  }

  private query(sql: string, params: unknown[], client = this.client): Promise<QueryResult> {
    return this.db.query(sql, params, client);
  }

  private open(): Promise<Lease> {
    return this.db.open();
  }

  private async row(columns: string): Promise<QueryResultRow | undefined> {
    return (await this.query(`SELECT ${columns} FROM ${this.table} WHERE key = $1`, [this.options.connectionKey])).rows[0];
  }
}
