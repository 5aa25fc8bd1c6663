import type { Client, QueryResultRow } from 'pg';
import { connect, storeFailure } from './connection.js';
import { ensureSchema } from './schema.js';

export type QueryResult = { rows: QueryResultRow[]; rowCount: number | null };

/** The store's database: connections that come with a current schema, and queries whose failures say what they mean. */
export class Database {
  constructor(
    private readonly url: string,
    private readonly shown: string,
    private readonly schema: string,
    private readonly timeoutMs: number,
  ) {}

  /** A connection of its own (the caller ends it), the schema created or migrated on first use. */
  async open(): Promise<Client> {
    const client = await connect(this.url, this.shown, this.timeoutMs);
    try {
      await ensureSchema(client, this.schema);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw storeFailure(this.shown, error);
    }
    return client;
  }

  /** On `client` when there is one (the locked connection), else on a connection of its own, closed at once. */
  async query(sql: string, params: unknown[], client: Client | undefined): Promise<QueryResult> {
    const own = client ?? (await this.open());
    try {
      return await own.query(sql, params);
    } catch (error) {
      throw storeFailure(this.shown, error);
    } finally {
      if (!client) await own.end().catch(() => undefined);
    }
  }
}
