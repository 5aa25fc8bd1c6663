import { hostname } from 'node:os';
import type { Client, ClientConfig } from 'pg';
import { GhlAuthError, NEXT_RUN_RETRIES } from '../../errors.js';

/** How the store is named in every message and in `status`: the URL without its password or query. */
export function describeStoreUrl(url: string): string {
  const parsed = new URL(url);
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  return `postgres://${user}${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
}

/** The URL's password, for the run's secrets: it must never be logged. */
export const storePassword = (url: string): string | undefined => decodeURIComponent(new URL(url).password) || undefined;

/** Who holds a connection, as other runs see it in pg_stat_activity when they wait for the lock. */
export const runLabel = () => `ghl-auth pid ${process.pid} on ${process.env.HOSTNAME || hostname()}`;

/** How every connection of the store is made, alone or kept for a library's host (kept-connections.ts). */
export function clientConfig(url: string, timeoutMs: number): ClientConfig {
  // query_timeout: a server that stops answering (a half-open connection) fails the query, never hangs the run;
  // twice the lock wait, so the lock's own wait (lock_timeout) always ends first.
  return { connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: 2 * timeoutMs, keepAlive: true, application_name: runLabel().slice(0, 63) };
}

/**
 * One connection of its own (a CLI run holds one for its lock, and nothing stays open after it).
 * pg is imported only here and in kept-connections.ts, so the file store never loads it.
 */
export async function connect(url: string, shown: string, timeoutMs: number): Promise<Client> {
  const { default: pg } = await import('pg');
  const client = new pg.Client(clientConfig(url, timeoutMs));
  // A connection lost while idle surfaces in the next query; unheard, the event would crash the run.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await closeClient(client);
    throw storeFailure(shown, error);
  }
  return client;
}

/** How long a polite goodbye may take before the socket is simply closed. */
const CLOSE_WAIT_MS = 1_000;

/**
 * Ends a connection of its own. pg's end() waits for the server to close its side, which a frozen
 * server (stopped, or a half-open connection) never does: then the socket is destroyed, so the run
 * still ends and its session (with its advisory lock) dies on the server's side when it wakes.
 */
export async function closeClient(client: Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS, false)));
  const ended = await Promise.race([client.end().then(() => true, () => true), late]);
  clearTimeout(timer);
  if (!ended) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

const CONFIGURATION_CODES: Record<string, string> = {
  '28P01': 'refused the user name or password',
  '28000': 'refused this user (pg_hba.conf)',
  '3D000': 'has no such database',
  '42501': "denied this user a privilege ghl-auth needs (CREATE on the database for the schema, or SELECT/INSERT/UPDATE on its tables)",
  '25006': 'is read-only (a standby?): point GHL_TOKEN_STORE at the primary',
};

/**
 * What a failed connection or query means: a store that refuses this configuration is exit 2
 * (fix GHL_TOKEN_STORE), one that does not answer is temporary (exit 4), like GHL itself.
 */
export function storeFailure(shown: string, error: unknown): GhlAuthError {
  if (error instanceof GhlAuthError) return error;
  const code = (error as { code?: string }).code ?? '';
  const refused = CONFIGURATION_CODES[code];
  if (refused) return new GhlAuthError('configuration', `the token store ${shown} ${refused}: fix GHL_TOKEN_STORE (SQLSTATE ${code})`, { cause: error });
  const why = error instanceof Error ? error.message : String(error);
  return new GhlAuthError('ghl_unavailable', `the token store ${shown} is unavailable (${code ? `${code}: ` : ''}${why}); ${NEXT_RUN_RETRIES}`, { cause: error });
}
