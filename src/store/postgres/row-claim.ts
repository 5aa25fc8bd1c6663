import { randomUUID } from 'node:crypto';
import { GhlAuthError } from '../../errors.js';
import type { RefreshClaim } from '../refresh-claims.js';
import { restoreAdvice } from '../save-errors.js';
import { currentWriter } from '../writer-identity.js';
import { runLabel } from './connection.js';
import type { LocalPairs } from './local-pairs.js';

/** A refresh claim in the row (column `refreshing`): the file store's RefreshClaim, plus an id so only its maker clears it. */
export type RowClaim = RefreshClaim & { id: string };

export async function newClaim(print: string, claimMs: number, nowMs: number): Promise<RowClaim> {
  const writer = await currentWriter();
  return {
    id: randomUUID(),
    refreshToken: print,
    pid: writer.pid,
    host: runLabel().replace(/^ghl-auth pid \d+ on /, ''),
    hostId: writer.scope,
    processStart: writer.processStart,
    startedAt: new Date(nowMs).toISOString(),
    deadline: new Date(nowMs + claimMs).toISOString(),
  };
}

/**
 * A dead run's claim, when that run kept GHL's new pair on this host (its save to Postgres failed):
 * sending the token again would kill the connection, so the run stops and says where the pair is.
 */
export async function refuseIfKeptHere(earlier: RowClaim, local: LocalPairs, shown: string): Promise<void> {
  const since = Date.parse(earlier.startedAt);
  const kept = (await local.list()).find((file) => file.obtainedAt !== undefined && file.obtainedAt >= since);
  if (!kept) return;
  throw new GhlAuthError(
    'token_file_unwritable',
    `a run (pid ${earlier.pid} on ${earlier.host}, ${earlier.startedAt}) already spent the refresh token in ${shown}; GHL's new pair could not be saved there and is ${restoreAdvice(kept.path)}`,
  );
}
