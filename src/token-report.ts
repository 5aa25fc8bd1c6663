import { CHECK_SCOPES, type Config } from './config.js';
import type { Replaced } from './token-replace.js';
import { isForOtherLocation, scopesOf, type StoredTokens } from './tokens.js';

/** The check's scopes the token lacks; undefined when the response had no scope field, so nothing can be judged. */
export function missingCheckScopes(stored: StoredTokens): string[] | undefined {
  if (stored.token.scope === undefined) return undefined;
  const granted = scopesOf(stored);
  return CHECK_SCOPES.filter((scope) => !granted.includes(scope));
}

export const SCOPES_UNKNOWN = 'scopes unknown (the token response had no scope field)';

/** "in 23 h 59 min", "3 days ago": enough to read at a glance. */
export function relativeTime(targetMs: number, nowMs: number): string {
  const minutes = Math.floor(Math.abs(targetMs - nowMs) / 60_000);
  const span =
    minutes < 60 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${Math.floor(minutes / (24 * 60))} days`;
  return targetMs >= nowMs ? `in ${span}` : `${span} ago`;
}

/** Problems of freshly saved tokens that `check` would fail on later. */
export function tokenWarnings(stored: StoredTokens, config: Pick<Config, 'locationId'>): string[] {
  const warnings: string[] = [];
  const missing = missingCheckScopes(stored);
  if (!missing) warnings.push(SCOPES_UNKNOWN);
  else if (missing.length > 0) {
    warnings.push(`the token lacks ${missing.join(' and ')}, which the check needs: add the scope(s) to the app (and GHL_SCOPES) and run \`ghl-auth login --force\``);
  }
  if (isForOtherLocation(stored, config.locationId)) {
    warnings.push(`the token is for location ${String(stored.token.locationId)}, but GHL_LOCATION_ID is ${String(config.locationId)}: the check will fail until one of them is changed`);
  }
  return warnings;
}

/** What login, exchange and import print after saving: where, for whom, until when, and what is wrong. */
export function describeSaved(replaced: Replaced, config: Pick<Config, 'locationId' | 'tokensFile'>, nowMs: number): { lines: string[]; warnings: string[] } {
  const { stored, backup } = replaced;
  const { token } = stored;
  return {
    lines: [
      `tokens saved to ${config.tokensFile} (mode 0600)`,
      `location ${token.locationId ?? '(none)'}${token.companyId ? ` (company ${token.companyId})` : ''}, user type ${token.userType ?? 'unknown'}`,
      `scopes ${scopesOf(stored).join(' ') || '(none reported)'}`,
      `access token expires ${stored.expiresAt} (${relativeTime(Date.parse(stored.expiresAt), nowMs)}); \`ghl-auth check\` refreshes it from now on`,
      ...(backup ? [`the previous token file was kept as ${backup}`] : []),
    ],
    warnings: tokenWarnings(stored, config),
  };
}
