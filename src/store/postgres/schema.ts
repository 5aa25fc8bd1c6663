import type { ClientBase } from 'pg';
import { GhlAuthError } from '../../errors.js';

/** The schema's version this ghl-auth writes; each entry of MIGRATIONS brings it one step further. */
export const SCHEMA_VERSION = 1;

/** Any constant of ours: concurrent first runs (and `store migrate`) take turns creating the schema. */
const MIGRATION_LOCK = '7316540223117050651';

const MIGRATIONS: ((schema: string) => string)[] = [
  (s) => `CREATE TABLE ${s}.connections (
    key text PRIMARY KEY,
    tokens jsonb NOT NULL,
    revision bigint NOT NULL DEFAULT 1,
    refreshing jsonb,
    previous jsonb,
    moved_to text,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
];

/** Quoted: config.ts admits only plain lower-case names, so this never needs escaping. */
export const quoted = (schema: string) => `"${schema}"`;

/** The version the schema is at (0: none yet); a missing schema or table is version 0. */
export async function schemaVersion(client: ClientBase, schema: string): Promise<number> {
  try {
    const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${quoted(schema)}.schema_version`);
    return rows[0]?.version ?? 0;
  } catch (error) {
    if (['42P01', '3F000'].includes((error as { code?: string }).code ?? '')) return 0;
    throw error;
  }
}

/**
 * Creates or brings the schema to SCHEMA_VERSION, idempotent; one transaction under an advisory lock,
 * so two first runs never race. A schema newer than this ghl-auth is refused, never downgraded.
 */
export async function migrate(client: ClientBase, schema: string): Promise<{ from: number; to: number }> {
  const s = quoted(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_version (version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const from = await schemaVersion(client, schema);
    if (from > SCHEMA_VERSION) {
      throw new GhlAuthError('configuration', `the schema ${schema} of the token store is at version ${from}, newer than this ghl-auth knows (${SCHEMA_VERSION}): upgrade ghl-auth`);
    }
    for (let version = from + 1; version <= SCHEMA_VERSION; version += 1) {
      await client.query((MIGRATIONS[version - 1] as (schema: string) => string)(s));
      await client.query(`INSERT INTO ${s}.schema_version (version) VALUES ($1)`, [version]);
    }
    await client.query('COMMIT');
    return { from, to: SCHEMA_VERSION };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Lazily, on a run's first connection: a schema already current costs one query. */
export async function ensureSchema(client: ClientBase, schema: string): Promise<void> {
  if ((await schemaVersion(client, schema)) !== SCHEMA_VERSION) await migrate(client, schema);
}
