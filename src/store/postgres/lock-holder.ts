import type { ClientBase } from 'pg';
import { GhlAuthError } from '../../errors.js';

/** Who holds a connection's advisory lock (its application_name says which ghl-auth run), if the server says. */
export async function holderOf(client: ClientBase, lockKey: string): Promise<string | undefined> {
  // A bigint advisory lock shows in pg_locks as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
  const { rows } = await client
    .query<{ who: string | null; since: Date | null }>(
      `SELECT a.application_name AS who, a.backend_start AS since FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.classid::bigint = ($1::bigint >> 32) & 4294967295 AND l.objid::bigint = $1::bigint & 4294967295`,
      [lockKey],
    )
    .catch(() => ({ rows: [] }));
  const [holder] = rows;
  if (!holder?.who) return undefined;
  return `${holder.who}${holder.since ? `, connected since ${holder.since.toISOString()}` : ''}`;
}

export function lockBusy(shown: string, connectionKey: string, waitMs: number, holder: string | undefined): GhlAuthError {
  return new GhlAuthError(
    'token_file_locked',
    `the connection ${connectionKey} in ${shown} is locked by another ghl-auth run (${holder ?? 'not visible to this database user'}; waited ${waitMs / 1000} s); try again later. A killed run's lock ends with its database session`,
  );
}
