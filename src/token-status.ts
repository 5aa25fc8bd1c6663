import { tagLeftOnAdvice } from './check.js';
import type { Config } from './config.js';
import type { ErrorCode } from './errors.js';
import type { LastRun } from './last-run.js';
import { missingCheckScopes, relativeTime, SCOPES_UNKNOWN } from './token-report.js';
import type { RefreshMarker } from './token-store.js';
import { fingerprint, isForOtherLocation, scopesOf, type StoredTokens } from './tokens.js';

/** GHL: a refresh token lives one year unless used (each refresh starts a new one). */
const REFRESH_TOKEN_LIFETIME_MS = 365 * 24 * 3600_000;
const REFRESH_TOKEN_WARNING_MS = 30 * 24 * 3600_000;

/** Everything `status` shows; never a token. */
export interface TokenStatus {
  tokensFile: string;
  usable: boolean;
  /** Why the tokens are not usable, worst first; the first decides the exit code. */
  problems: { code: ErrorCode; message: string }[];
  warnings: string[];
  locationId: string | null;
  companyId: string | null;
  userType: string | null;
  scopes: string[];
  /** null: the token response had no scope field, so nothing can be said. */
  checkScopesPresent: boolean | null;
  accessToken: { expiresAt: string; expiresIn: string; expired: boolean };
  refreshToken: { obtainedAt: string; obtained: string; expiresUnusedAt: string };
  lastCheck: LastRun | null;
}

export interface StatusInput {
  config: Pick<Config, 'tokensFile' | 'locationId'>;
  stored: StoredTokens;
  lastRun: LastRun | undefined;
  marker: RefreshMarker | undefined;
  now: number;
}

/** Judges the saved tokens from local facts only: no request to GHL. */
export function assessTokens({ config, stored, lastRun, marker, now }: StatusInput): TokenStatus {
  const { token } = stored;
  const problems: TokenStatus['problems'] = [];
  const warnings: string[] = [];
  const expiresAt = Date.parse(stored.expiresAt);
  const obtainedAt = Date.parse(stored.obtainedAt);
  const deadAt = obtainedAt + REFRESH_TOKEN_LIFETIME_MS;

  // Import requires no scope field, and check does not judge it: without one there is nothing to judge.
  const missing = missingCheckScopes(stored);
  if (!missing) warnings.push(SCOPES_UNKNOWN);
  else if (missing.length > 0) problems.push({ code: 'scope_missing', message: `the token lacks ${missing.join(' and ')}, which the check needs: run \`ghl-auth login --force\`` });
  if (now >= deadAt) {
    problems.push({ code: 'reauthorization_required', message: `the refresh token was obtained ${relativeTime(obtainedAt, now)} and never used: GHL expires it after a year; run \`ghl-auth login --force\`` });
  } else if (now >= deadAt - REFRESH_TOKEN_WARNING_MS) {
    warnings.push(`the refresh token expires unused ${relativeTime(deadAt, now)} (GHL's one-year limit): run \`ghl-auth refresh --force\` or \`ghl-auth check\` before then`);
  }
  // Only a failure after these tokens were saved says something about them.
  if (lastRun && lastRun.exitCode === 3 && Date.parse(lastRun.at) >= obtainedAt) {
    problems.push({ code: 'reauthorization_required', message: `the last check (${lastRun.at}) ended with: ${lastRun.message ?? lastRun.reason ?? 'exit 3'}` });
  }
  if (isForOtherLocation(stored, config.locationId)) {
    problems.push({ code: 'configuration', message: `the token is for location ${token.locationId ?? '(none)'}, but GHL_LOCATION_ID is ${config.locationId}` });
  }
  if (marker && marker.refreshToken === fingerprint(token.refresh_token)) {
    warnings.push(`a refresh of this token started ${marker.startedAt} never finished; the next check tells whether GHL spent the token (then: \`ghl-auth login --force\`)`);
  }
  if (expiresAt <= now) warnings.push('the access token has expired; the next check refreshes it');
  if (lastRun?.tagLeftOn !== undefined) warnings.push(`the last check (${lastRun.at}) warned: ${tagLeftOnAdvice(lastRun.tagLeftOn)}`);
  if (lastRun && lastRun.exitCode !== 0 && lastRun.exitCode !== 3) warnings.push(`the last check failed (exit ${lastRun.exitCode}): ${lastRun.message ?? lastRun.reason ?? ''}`);

  return {
    tokensFile: config.tokensFile,
    usable: problems.length === 0,
    problems,
    warnings,
    locationId: token.locationId ?? null,
    companyId: token.companyId ?? null,
    userType: token.userType ?? null,
    scopes: scopesOf(stored),
    checkScopesPresent: missing ? missing.length === 0 : null,
    accessToken: { expiresAt: stored.expiresAt, expiresIn: relativeTime(expiresAt, now), expired: expiresAt <= now },
    refreshToken: { obtainedAt: stored.obtainedAt, obtained: relativeTime(obtainedAt, now), expiresUnusedAt: new Date(deadAt).toISOString() },
    lastCheck: lastRun ?? null,
  };
}

/** The human form: one fact per line. */
export function formatStatus(status: TokenStatus): string {
  const last = status.lastCheck;
  const rows: [string, string][] = [
    ['token file', status.tokensFile],
    ['location', `${status.locationId ?? '(none)'}${status.companyId ? ` (company ${status.companyId})` : ''}, user type ${status.userType ?? 'unknown'}`],
    ['scopes', `${status.scopes.join(' ') || '(none reported)'} (${status.checkScopesPresent === null ? 'unknown' : status.checkScopesPresent ? "the check's scopes are present" : "the check's scopes are MISSING"})`],
    ['access token', `${status.accessToken.expired ? 'expired' : 'expires'} ${status.accessToken.expiresAt} (${status.accessToken.expiresIn})`],
    ['refresh token', `obtained ${status.refreshToken.obtainedAt} (${status.refreshToken.obtained}); expires unused ${status.refreshToken.expiresUnusedAt}`],
    ['last check', last ? `${last.at}: ${last.outcome} (exit ${last.exitCode})${last.lastSuccessAt && last.outcome !== 'healthy' ? `, last healthy ${last.lastSuccessAt}` : ''}` : 'none recorded'],
  ];
  const lines = rows.map(([name, value]) => `${name.padEnd(14)}${value}`);
  for (const warning of status.warnings) lines.push(`warning: ${warning}`);
  for (const problem of status.problems) lines.push(`problem: ${problem.message}`);
  lines.push(status.usable ? 'verdict: usable' : 'verdict: NOT usable');
  return `${lines.join('\n')}\n`;
}
