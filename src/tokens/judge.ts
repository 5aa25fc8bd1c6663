import { CHECK_SCOPES, type Config } from '../config.js';
import type { ErrorCode } from '../errors.js';
import { isForOtherLocation, relativeTime, scopesOf, type StoredTokens } from './stored-tokens.js';

/** GHL: a refresh token lives one year unless used (each refresh starts a new one). */
const REFRESH_TOKEN_LIFETIME_MS = 365 * 24 * 3600_000;
const REFRESH_TOKEN_WARNING_MS = 30 * 24 * 3600_000;

/**
 * One fact about a token file. A problem makes the tokens unfit for the check (its code decides the exit
 * code); a warning is worth saying but fails nothing.
 */
export interface Finding {
  severity: 'problem' | 'warning';
  code: ErrorCode;
  message: string;
}

/**
 * The one judge of whether saved tokens are fit for the check: `check` refuses on its problems,
 * `status` exits by them, login, exchange and import print them after saving. Local facts only.
 */
export function judgeTokens(stored: StoredTokens, config: Pick<Config, 'locationId'>, nowMs: number): Finding[] {
  const findings: Finding[] = [];
  const problem = (code: ErrorCode, message: string) => findings.push({ severity: 'problem', code, message });
  const warning = (message: string) => findings.push({ severity: 'warning', code: 'configuration', message });

  const missing = missingCheckScopes(stored);
  if (!missing) warning(SCOPES_UNKNOWN);
  else if (missing.length > 0) {
    problem('scope_missing', `the token's scopes lack ${missing.join(' and ')}, which the check needs: add the scope(s) to the app (and GHL_SCOPES) and run \`ghl-auth login --force\``);
  }
  if (isForOtherLocation(stored, config.locationId)) {
    problem(
      'configuration',
      `the token is for location ${String(stored.token.locationId)}, but GHL_LOCATION_ID is ${String(config.locationId)}: correct GHL_LOCATION_ID, or authorize the app for ${String(config.locationId)} with \`ghl-auth login --force\``,
    );
  }
  const obtainedAt = Date.parse(stored.obtainedAt);
  const deadAt = obtainedAt + REFRESH_TOKEN_LIFETIME_MS;
  if (nowMs >= deadAt) {
    problem('reauthorization_required', `the refresh token was obtained ${relativeTime(obtainedAt, nowMs)} and never used: GHL expires it after a year; run \`ghl-auth login --force\``);
  } else if (nowMs >= deadAt - REFRESH_TOKEN_WARNING_MS) {
    warning(`the refresh token expires unused ${relativeTime(deadAt, nowMs)} (GHL's one-year limit): run \`ghl-auth refresh --force\` or \`ghl-auth check\` before then`);
  }
  if (!stored.token.access_token) warning('no access token was saved (GHL sent none); the next check refreshes it');
  else if (Date.parse(stored.expiresAt) <= nowMs) warning('the access token has expired; the next check refreshes it');
  return findings;
}

/** When GHL expires the refresh token if it is never used. */
export const refreshTokenDeadAt = (stored: StoredTokens) => Date.parse(stored.obtainedAt) + REFRESH_TOKEN_LIFETIME_MS;

/** The check's scopes the token lacks; undefined when the response had no scope field, so nothing can be judged. */
export function missingCheckScopes(stored: StoredTokens): string[] | undefined {
  if (stored.token.scope === undefined) return undefined;
  const granted = scopesOf(stored);
  return CHECK_SCOPES.filter((scope) => !granted.includes(scope));
}

const SCOPES_UNKNOWN = 'scopes unknown (the token response had no scope field)';

export const problemsIn = (findings: Finding[]) => findings.filter((finding) => finding.severity === 'problem');
export const warningsIn = (findings: Finding[]) => findings.filter((finding) => finding.severity === 'warning');
