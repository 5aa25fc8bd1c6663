import { GhlAuthError } from '../errors.js';
import { MAX_ACCESS_TOKEN_SECONDS, tokenResponseSchema, type TokenResponse } from '../tokens/stored-tokens.js';

export interface TokenAnswer {
  /** What to save: GHL's answer, unknown fields kept, with `access_token` and `expires_in` made safe. */
  token: TokenResponse;
  /** What was wrong with the answer: thrown only after the token is saved. */
  problem?: GhlAuthError;
}

/** Optional text fields of GHL's answer; null stands for absent. */
const OPTIONAL_TEXT: readonly string[] = ['token_type', 'scope', 'userType', 'locationId', 'companyId', 'userId'];

/**
 * Reads a 2xx answer of the token endpoint. A non-empty string `refresh_token` is a new pair, and what
 * was sent to get it is spent: so it is always returned to be saved, whatever else is odd. It is looked
 * for where GHL's contract puts it (the top level), then in one obvious wrapper: `data`, or a JSON array
 * of one item; a wrapped pair is saved and named as odd. An unusable access token or `expires_in` is
 * saved as due at once (expires_in 0), so the next run refreshes with the new refresh token; an
 * `expires_in` beyond GHL's documented day is capped at a day. Undefined: nothing to save.
 */
export function readTokenAnswer(status: number, body: unknown): TokenAnswer | undefined {
  const found = locatePair(body);
  if (!found) return undefined;
  const { pair, wrapper } = found;
  const exact = tokenResponseSchema.safeParse(pair);
  if (exact.success && !wrapper) return { token: { ...exact.data, expires_in: Math.min(exact.data.expires_in, MAX_ACCESS_TOKEN_SECONDS) } };

  const odd: string[] = [];
  const kept = Object.entries(pair).filter(([field, value]) => {
    if (!OPTIONAL_TEXT.includes(field) || typeof value === 'string') return true;
    if (value !== null) odd.push(field);
    return false;
  });
  const token: Record<string, unknown> = Object.fromEntries(kept);
  const { access_token: accessToken, expires_in: expiresIn } = pair;
  const hasAccessToken = typeof accessToken === 'string' && accessToken !== '';
  const usableExpiry = typeof expiresIn === 'number' && expiresIn > 0;
  if (!hasAccessToken) odd.push('access_token');
  if (!usableExpiry) odd.push('expires_in');
  token.access_token = hasAccessToken ? accessToken : '';
  token.expires_in = hasAccessToken && usableExpiry ? Math.min(expiresIn, MAX_ACCESS_TOKEN_SECONDS) : 0;

  if (odd.length === 0 && !wrapper) return { token: token as TokenResponse };
  const dueNow = token.expires_in === 0;
  const saved = dueNow
    ? 'the new refresh token was saved, due at once, so the next check or `token` refreshes with it'
    : odd.length > 0
      ? `the new tokens were saved without ${odd.length > 1 ? 'those fields' : 'that field'}`
      : 'the new tokens were saved';
  const what = [wrapper && `the tokens ${wrapper} (not at the top level)`, odd.length > 0 && `a missing or invalid ${odd.join(', ')}`].filter(Boolean).join(' and ');
  const problem = new GhlAuthError('ghl_unexpected_response', `GHL answered the token request with ${status} but ${what}; ${saved} (if this repeats, GHL's token answer has changed: report it)`);
  return { token: token as TokenResponse, problem };
}

/** The object holding a refresh token, and where it was when that is not where GHL's contract puts it. */
function locatePair(body: unknown): { pair: Record<string, unknown>; wrapper?: string } | undefined {
  if (hasRefreshToken(body)) return { pair: body };
  if (isRecord(body) && hasRefreshToken(body.data)) return { pair: body.data, wrapper: 'under `data`' };
  if (Array.isArray(body) && body.length === 1 && hasRefreshToken(body[0])) return { pair: body[0], wrapper: 'in a JSON array' };
  return undefined;
}

const hasRefreshToken = (value: unknown): value is Record<string, unknown> => isRecord(value) && typeof value.refresh_token === 'string' && value.refresh_token !== '';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
