import { z } from 'zod';
import { replaceRegularFile } from '../files/replace-file.js';
import { ONE_MIB, readSmallFile, refusedOwnFile, type FileRefused } from '../files/small-file.js';
import type { LocationToken } from '../oauth/location-token.js';

/**
 * Location tokens minted from the Company token, beside the token file (0600). Written only under the
 * token file's lock, by merging: concurrent runs each add what they minted. Losing the file costs one
 * mint per location, nothing more: a Location token has no refresh token to lose.
 */
export const locationTokensPath = (tokensFile: string) => `${tokensFile}.location-tokens.json`;

const cacheSchema = z.object({
  version: z.literal(1),
  tokens: z.record(
    z.string(),
    z.object({ locationId: z.string(), companyId: z.string(), accessToken: z.string().min(1), expiresAt: z.iso.datetime(), scope: z.string().optional() }),
  ),
});

export type CachedLocationTokens = Map<string, LocationToken>;

/** A few KB per location (a token and its scopes): room for thousands of locations, not for a runaway file. */
const MAX_CACHE_BYTES = 16 * ONE_MIB;

/** The cached tokens; a missing, refused or malformed file is an empty cache (`problem` says why, naming it). */
export async function readLocationTokens(tokensFile: string): Promise<{ tokens: CachedLocationTokens; problem?: string }> {
  const path = locationTokensPath(tokensFile);
  let raw: Buffer | null;
  try {
    raw = await readSmallFile(path, { maxBytes: MAX_CACHE_BYTES, followSymlinks: false });
  } catch (error) {
    return { tokens: new Map(), problem: refusedOwnFile(error as FileRefused) };
  }
  if (raw === null) return { tokens: new Map() };
  const parsed = cacheSchema.safeParse(safeJson(raw.toString('utf8')));
  if (!parsed.success) return { tokens: new Map(), problem: `${path} is not a cache ghl-auth wrote` };
  return { tokens: new Map(Object.entries(parsed.data.tokens)) };
}

/**
 * Call holding the token file's lock. Adds `fresh` to what is on disk now: per location the token that
 * lives longest wins; expired tokens leave.
 */
export async function mergeLocationTokens(tokensFile: string, fresh: readonly LocationToken[], nowMs: number): Promise<void> {
  const { tokens } = await readLocationTokens(tokensFile);
  for (const token of fresh) {
    const known = tokens.get(token.locationId);
    if (!known || Date.parse(known.expiresAt) < Date.parse(token.expiresAt)) tokens.set(token.locationId, token);
  }
  const live = [...tokens.entries()].filter(([, token]) => Date.parse(token.expiresAt) > nowMs);
  await replaceRegularFile(locationTokensPath(tokensFile), `${JSON.stringify({ version: 1, tokens: Object.fromEntries(live) }, null, 2)}\n`, 0o600);
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
