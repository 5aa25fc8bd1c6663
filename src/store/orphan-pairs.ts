import { open, readFile, rename, rm } from 'node:fs/promises';
import type { Logger } from '../logger.js';
import { fingerprint, type StoredTokens } from '../tokens/stored-tokens.js';
import type { RefreshClaims } from './refresh-claims.js';
import { restoreAdvice } from './save-errors.js';
import { parseTokenBytes } from './token-file.js';
import { scopeTag } from './writer-identity.js';

export interface OrphanContext {
  /** The token file's real path and its bytes now (null: none, or unreadable). */
  real: string;
  currentBytes: Buffer | null;
  claims: RefreshClaims;
  /** Where a pair that is not provably the file's successor is kept: `<file>.issued-<time>.json`. */
  keepPath: () => string;
  syncDirectory: (dir: string) => Promise<void>;
  log: Logger;
}

/**
 * A temp file whose writer is certainly gone. Reserved but never filled (all zeros): nothing in it.
 * Filled: it may hold the only copy of a pair GHL issued (the writer was killed between the write
 * and the rename), so it is never deleted unless the token file already holds the same pair:
 * - the writer had claimed the file's current refresh token: its rename is completed, as it would have;
 * - otherwise it is kept beside the token file, named, with the command to restore it.
 */
export async function settleOrphan(path: string, writer: { scope: string; pid: number; processStart: string }, context: OrphanContext): Promise<void> {
  const bytes = await readFile(path).catch(() => undefined);
  if (!bytes) return;
  if (bytes.every((byte) => byte === 0)) return void (await rm(path, { force: true }));
  const pair = parsed(bytes);
  const { real, log } = context;
  const current = context.currentBytes ? parsed(context.currentBytes) : undefined;
  if (pair && current && pair.token.refresh_token === current.token.refresh_token) return void (await rm(path, { force: true }));
  if (pair && current && (await claimedBy(context.claims, fingerprint(current.token.refresh_token), writer))) {
    await cutPadding(path, bytes); // killed between the fill and the cut of the reserved zeros
    await rename(path, real);
    await context.syncDirectory(real.slice(0, real.lastIndexOf('/')) || '/').catch(() => undefined);
    await context.claims.removeAllBut(fingerprint(pair.token.refresh_token));
    log.warn(`completed the save of a run stopped between writing GHL's new pair and renaming it into place (pid ${writer.pid}): ${real} now holds that pair`);
    return;
  }
  const keptIn = context.keepPath();
  await rename(path, keptIn);
  log.warn(`a stopped run left ${pair ? 'a token pair' : 'a partly written token file'} that is not provably newer than ${real}; it is ${restoreAdvice(keptIn)} if it is the one to use`);
}

/** The content before the zeros a reservation filled the file with. */
const contentOf = (bytes: Buffer) => bytes.subarray(0, bytes.indexOf(0) < 0 ? bytes.length : bytes.indexOf(0));

async function cutPadding(path: string, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(contentOf(bytes).length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function parsed(bytes: Buffer): StoredTokens | undefined {
  try {
    return parseTokenBytes(contentOf(bytes), '');
  } catch {
    return undefined;
  }
}

/** Whether the refresh claim for `print` was made by this very writer (its scope tag, pid and start). */
async function claimedBy(claims: RefreshClaims, print: string, writer: { scope: string; pid: number; processStart: string }): Promise<boolean> {
  const claim = await claims.newest(print);
  return claim !== undefined && !claim.keptIn && scopeTag({ scope: claim.hostId }) === writer.scope && claim.pid === writer.pid && claim.processStart === writer.processStart;
}
