import type { ClientBase, QueryResultRow } from 'pg';
import { closeClient, connect, storeFailure } from './connection.js';
import type { KeptConnections, Lease } from './kept-connections.js';
import { ensureSchema } from './schema.js';

export type QueryResult = { rows: QueryResultRow[]; rowCount: number | null };

/** The store's database: connections that come with a current schema, and queries whose failures say what they mean. */
export class Database {
  constructor(
    private readonly url: string,
    private readonly shown: string,
    private readonly schema: string,
    private readonly timeoutMs: number,
    /** A library's host keeps connections between calls; a CLI run opens its own. */
    private readonly kept?: KeptConnections,
  ) {}

  /** A connection for the caller's work (it calls `done`), the schema created or migrated on first use. */
  async open(): Promise<Lease> {
    if (this.kept) return this.kept.lease(this.url, this.timeoutMs, this.schema, (client) => ensureSchema(client, this.schema)).catch((error: unknown) => Promise.reject(storeFailure(this.shown, error)));
    const client = await connect(this.url, this.shown, this.timeoutMs);
    try {
      await ensureSchema(client, this.schema);
    } catch (error) {
      await closeClient(client);
      throw storeFailure(this.shown, error);
    }
    return { client, done: () => closeClient(client) };
  }

  /** On `client` when there is one (the locked connection), else on a connection of its own, given back at once. */
  async query(sql: string, params: unknown[], client: ClientBase | undefined): Promise<QueryResult> {
    const own = client ? undefined : await this.open();
    let failed = false;
    try {
      return await (client ?? (own as Lease).client).query(sql, params);
    } catch (error) {
      failed = true;
      throw storeFailure(this.shown, error);
    } finally {
      await own?.done(failed);
    }
  }
}
