import { createHash } from 'node:crypto';
import { z } from 'zod';

/** GHL's token response: the fields we rely on are checked, every other field is kept as sent. */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
  userType: z.string().optional(),
  locationId: z.string().optional(),
  companyId: z.string().optional(),
  userId: z.string().optional(),
});

/** GHL documents access tokens living 86399 s (about 24 h): a longer expiry is not believed. */
export const MAX_ACCESS_TOKEN_SECONDS = 86_400;

/**
 * A token pair as saved: a refresh token GHL issued is kept even when the rest of the answer was
 * unusable (no access token, no usable expires_in), then with `expires_in` 0, so the next run refreshes.
 */
const savedTokenSchema = tokenResponseSchema.extend({
  access_token: z.string().default(''),
  expires_in: z.number().nonnegative(),
});
export type TokenResponse = z.infer<typeof savedTokenSchema>;

export const TOKEN_FILE_VERSION = 1;

/**
 * Set once GHL has declared the refresh token dead, or may have rotated it without giving a new one:
 * it is never sent again. It names the token by fingerprint, so it condemns no other token put in the
 * file. An optional field: files without it, and versions that ignore it, read the file as before.
 */
const spentMarkSchema = z.object({ at: z.iso.datetime(), reason: z.string(), fingerprint: z.string() });
export type SpentMark = z.infer<typeof spentMarkSchema>;

/** What the token file holds: the whole response plus the absolute times computed when it arrived. */
export const storedTokensSchema = z.looseObject({
  version: z.literal(TOKEN_FILE_VERSION),
  obtainedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  token: savedTokenSchema,
  refreshTokenSpent: spentMarkSchema.optional(),
});
export type StoredTokens = z.infer<typeof storedTokensSchema>;

export function toStoredTokens(token: TokenResponse, receivedAtMs: number): StoredTokens {
  return {
    version: TOKEN_FILE_VERSION,
    obtainedAt: new Date(receivedAtMs).toISOString(),
    expiresAt: new Date(receivedAtMs + token.expires_in * 1000).toISOString(),
    token,
  };
}

/** The mark on the file's refresh token; a mark left for another token means nothing. */
export function spentMarkOf(stored: StoredTokens): SpentMark | undefined {
  const mark = stored.refreshTokenSpent;
  return mark && mark.fingerprint === fingerprint(stored.token.refresh_token) ? mark : undefined;
}

/** The same pair, its refresh token marked spent for `reason` (what GHL answered). */
export function markedSpent(stored: StoredTokens, reason: string, nowMs: number): StoredTokens {
  return { ...stored, refreshTokenSpent: { at: new Date(nowMs).toISOString(), reason, fingerprint: fingerprint(stored.token.refresh_token) } };
}

/** What status, check and token say of a spent refresh token. */
export const spentMessage = (mark: SpentMark) =>
  `the saved refresh token was declared dead at ${mark.at} (${mark.reason}); it is never sent to GHL again: re-authorize with \`ghl-auth login --force\` (or \`ghl-auth tokens import --force\` a newer pair)`;

/** Identifies a refresh token in a marker without storing anything that could be replayed. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

export type TokenType = 'Company' | 'Location';

/**
 * A Company (agency) token reaches no location API itself; a Location token reaches its own location
 * only. GHL says which in `userType`; a token without it and without a locationId is a Company token.
 */
export function tokenTypeOf(stored: StoredTokens): TokenType {
  const { userType, locationId } = stored.token;
  if (userType === 'Company') return 'Company';
  return userType === undefined && !locationId ? 'Company' : 'Location';
}

/**
 * The locations a Company token was approved for when the app was installed; undefined when GHL sent no
 * list (or something else than a list). Locations added later may still be installed.
 */
export function approvedLocationsOf(stored: StoredTokens): string[] | undefined {
  const approved: unknown = stored.token.approvedLocations;
  return Array.isArray(approved) ? approved.filter((id): id is string => typeof id === 'string') : undefined;
}

/** Whether the token names a location other than `expected`; one without a location (a Company token) is not judged. */
export function isForOtherLocation(stored: StoredTokens, expected: string | undefined): boolean {
  const actual = stored.token.locationId;
  return Boolean(expected && actual && actual !== expected);
}

export function scopesOf(stored: StoredTokens): string[] {
  return (stored.token.scope ?? '').split(/\s+/).filter(Boolean);
}

/** "in 23 h 59 min", "3 days ago": enough to read at a glance. */
export function relativeTime(targetMs: number, nowMs: number): string {
  const minutes = Math.floor(Math.abs(targetMs - nowMs) / 60_000);
  const span =
    minutes < 60 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${Math.floor(minutes / (24 * 60))} days`;
  return targetMs >= nowMs ? `in ${span}` : `${span} ago`;
}
