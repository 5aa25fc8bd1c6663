import { rm } from 'node:fs/promises';
import { GhlAuthError } from '../errors.js';
import type { StoredTokens } from '../tokens/stored-tokens.js';
import { restoreAdvice } from './save-errors.js';
import type { ClaimVerdict, RefreshClaim, RefreshClaims } from './refresh-claims.js';

export type ClaimOutcome =
  /** This run may send the token; `abandoned` is an earlier claim whose writer died without saving. */
  | { claimPath: string; abandoned: RefreshClaim | undefined }
  /** Another run saved a new pair meanwhile: use it, send nothing. */
  | { superseded: StoredTokens };

export interface ClaimInput {
  claims: RefreshClaims;
  print: string;
  /** The token file's bytes when they differ from what this run read, else undefined. */
  changed: () => Promise<Buffer | null | undefined>;
  parse: (bytes: Buffer) => StoredTokens;
  waitMs: number;
  now: () => number;
  path: string;
}

const POLL_MS = 100;

/**
 * Only a run that created a claim no live writer contested, and then still found the same token in
 * the file, sends it. Claims are created with O_EXCL, so of two runs racing for one attempt one wins.
 */
export async function claimRefresh(input: ClaimInput): Promise<ClaimOutcome> {
  const { claims, print, now } = input;
  const giveUpAt = now() + input.waitMs;
  for (;;) {
    const verdict = await claims.judge(print);
    if (verdict.kind === 'kept') throw keptBefore(input.path, verdict.claim);
    if (verdict.kind === 'free') {
      const claimPath = await claims.create(print, verdict.next);
      if (!claimPath) continue; // another run created this attempt first: judge again
      const superseded = await supersededBy(input);
      if (!superseded) return { claimPath, abandoned: verdict.abandoned };
      await rm(claimPath, { force: true }); // never sent: the claim means nothing
      return superseded;
    }
    const superseded = await supersededBy(input);
    if (superseded) return superseded;
    if (now() >= giveUpAt) throw busy(input, verdict);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function supersededBy(input: ClaimInput): Promise<{ superseded: StoredTokens } | undefined> {
  const bytes = await input.changed();
  if (bytes === undefined) return undefined;
  if (bytes === null) throw new GhlAuthError('token_file_missing', `${input.path} was removed by another program while this run was about to refresh; nothing was sent to GHL`);
  return { superseded: input.parse(bytes) };
}

function busy(input: ClaimInput, verdict: Extract<ClaimVerdict, { kind: 'busy' }>): GhlAuthError {
  const { claim } = verdict;
  const who = claim ? `pid ${claim.pid} on ${claim.host}, started ${claim.startedAt}` : `claim ${verdict.path}, still being written`;
  const judge = verdict.certain
    ? `it is still running (stopped or stuck?); if it is stuck, end it (kill ${claim?.pid ?? ''}) and the next run takes over`
    : `it runs in another container or on another host, so it cannot be checked from here; its claim counts until ${verdict.until === undefined ? 'it is a few seconds old' : new Date(verdict.until).toISOString()}`;
  return new GhlAuthError(
    'token_file_locked',
    `another ghl-auth run (${who}) is refreshing the token in ${input.path} and may still send it to GHL; this run did not spend it (waited ${Math.round(input.waitMs / 1000)} s): ${judge}`,
  );
}

function keptBefore(path: string, claim: RefreshClaim & { keptIn: string }): GhlAuthError {
  return new GhlAuthError(
    'token_file_unwritable',
    `a run (pid ${claim.pid} on ${claim.host}, ${claim.startedAt}) already spent the refresh token in ${path}; GHL's new pair could not be saved and is ${restoreAdvice(claim.keptIn)}`,
  );
}
