import { z } from 'zod';
import { GhlAuthError } from '../errors.js';
import { MAX_ACCESS_TOKEN_SECONDS, storedTokensSchema, tokenResponseSchema, toStoredTokens, type StoredTokens } from './stored-tokens.js';

/** Nothing is spent by an import, so an expiry beyond GHL's day is refused rather than guessed at. */
const TOO_LATE = `at most ${MAX_ACCESS_TOKEN_SECONDS} s (a day) ahead: GHL access tokens live about 24 h`;

/**
 * A token response obtained elsewhere (another tool, a manual exchange): GHL's fields, with the
 * expiry as `expires_in` (seconds, from now) or `expires_at` (ISO 8601, or Unix time in seconds).
 */
const importSchema = tokenResponseSchema.extend({
  expires_in: z.number().positive().max(MAX_ACCESS_TOKEN_SECONDS, { error: TOO_LATE }).optional(),
  expires_at: z.union([z.iso.datetime({ offset: true }), z.number().positive()]).optional(),
});

/** Parses what `tokens import` was given: a token response, or a whole ghl-auth token file (a .bak, another machine's). */
export function parseImportedTokens(text: string, source: string, nowMs: number): StoredTokens {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(source, text.trim() === '' ? 'is empty' : 'is not valid JSON');
  }
  const isTokenFile = typeof json === 'object' && json !== null && 'version' in json && 'token' in json;
  const parsed = (isTokenFile ? storedTokensSchema : importSchema).safeParse(json);
  // Checked apart from the schema, so it is reported together with the other missing fields.
  const noExpiry = !isTokenFile && valueAt(json, ['expires_in']) === undefined && valueAt(json, ['expires_at']) === undefined;
  if (!parsed.success || noExpiry) throw invalid(source, describeIssues(parsed.error?.issues ?? [], json, noExpiry));
  if (isTokenFile) return parsed.data as StoredTokens;

  const { expires_at: expiresAtInput, ...token } = parsed.data as z.infer<typeof importSchema>;
  if (expiresAtInput === undefined) return toStoredTokens({ ...token, expires_in: Number(token.expires_in) }, nowMs);
  // Unix time in milliseconds is common in JavaScript stores; seconds everywhere else.
  const expiresAt = typeof expiresAtInput === 'string' ? Date.parse(expiresAtInput) : expiresAtInput > 1e12 ? expiresAtInput : expiresAtInput * 1000;
  if (!(expiresAt <= nowMs + MAX_ACCESS_TOKEN_SECONDS * 1000)) throw invalid(source, `invalid expires_at (${TOO_LATE})`);
  // With both, the response arrived expires_in before expires_at; with expires_at alone, the age is unknown.
  const receivedAt = token.expires_in === undefined ? nowMs : expiresAt - token.expires_in * 1000;
  const expiresIn = token.expires_in ?? Math.max(1, Math.round((expiresAt - receivedAt) / 1000));
  return { ...toStoredTokens({ ...token, expires_in: expiresIn }, receivedAt), expiresAt: new Date(expiresAt).toISOString() };
}

function describeIssues(issues: z.core.$ZodIssue[], json: unknown, noExpiry: boolean): string {
  const missing = new Set<string>();
  const bad = new Set<string>();
  for (const issue of issues) {
    const path = issue.path.join('.') || '(top level)';
    if (valueAt(json, issue.path) === undefined) missing.add(path);
    else bad.add(issue.code === 'too_big' ? `${path} (${issue.message})` : path);
  }
  if (noExpiry) missing.add('expires_in or expires_at');
  return [missing.size ? `missing ${[...missing].join(', ')}` : '', bad.size ? `invalid ${[...bad].join(', ')}` : ''].filter(Boolean).join('; ');
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((value, key) => (typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined), json);
}

function invalid(source: string, why: string): GhlAuthError {
  return new GhlAuthError('token_input_invalid', `the tokens to import (${source}) ${why.startsWith('is') ? why : `are incomplete: ${why}`}; nothing was saved. Give a JSON token response with access_token, refresh_token and expires_in or expires_at`);
}
