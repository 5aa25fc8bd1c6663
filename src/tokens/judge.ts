import { CHECK_SCOPES, type Config } from '../config.js';
import type { ErrorCode } from '../errors.js';
import { approvedLocationsOf, isForOtherLocation, relativeTime, scopesOf, spentMarkOf, spentMessage, tokenTypeOf, type StoredTokens } from './stored-tokens.js';

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

/** What the judge reads of the configuration: which locations the check covers. checkLocations undefined: GHL_LOCATION_ID alone. */
export type JudgeConfig = Pick<Config, 'locationId'> & Partial<Pick<Config, 'checkLocations'>>;

/** A Company token reaches no location by itself: one must be named. */
export const NO_LOCATION =
  'the token is a Company (agency) token and no location is set to check: set GHL_LOCATION_ID (the location of the health-check contact) or GHL_CHECK_LOCATIONS (`all`, or location ids separated by commas); see README "Agencies"';

/**
 * The one judge of whether saved tokens are fit for the check: `check` refuses on its problems,
 * `status` exits by them, login, exchange and import print them after saving. Local facts only.
 */
export function judgeTokens(stored: StoredTokens, config: JudgeConfig, nowMs: number): Finding[] {
  const findings: Finding[] = [];
  const problem = (code: ErrorCode, message: string) => findings.push({ severity: 'problem', code, message });
  const warning = (message: string) => findings.push({ severity: 'warning', code: 'configuration', message });

  // First: nothing else matters until a human authorizes again.
  const spent = spentMarkOf(stored);
  if (spent) problem('reauthorization_required', spentMessage(spent));
  const missing = missingScopes(stored, config);
  if (!missing) warning(SCOPES_UNKNOWN);
  else if (missing.length > 0) {
    const named = missing.map((scope) => `${scope}${SCOPE_USES[scope] ? ` (${SCOPE_USES[scope]})` : ''}`);
    problem('scope_missing', `the token's scopes lack ${named.join(' and ')}, which the check needs: add the scope(s) to the app (and GHL_SCOPES) and run \`ghl-auth login --force\``);
  }
  if (isForOtherLocation(stored, config.locationId)) {
    problem(
      'configuration',
      `the token is for location ${String(stored.token.locationId)}, but GHL_LOCATION_ID is ${String(config.locationId)}: correct GHL_LOCATION_ID, or authorize the app for ${String(config.locationId)} with \`ghl-auth login --force\``,
    );
  }
  findings.push(...reachFindings(stored, config));
  // A spent refresh token neither expires unused nor renews anything: the rest would be false.
  if (spent) return findings;
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

/** Whether the token can reach the locations the configuration asks the check to cover. */
function reachFindings(stored: StoredTokens, { locationId, checkLocations }: JudgeConfig): Finding[] {
  const configuration = (severity: Finding['severity'], message: string): Finding[] => [{ severity, code: 'configuration', message }];
  if (tokenTypeOf(stored) === 'Location') {
    const own = stored.token.locationId ?? locationId;
    const others = checkLocations === 'all' ? undefined : (checkLocations ?? []).filter((id) => id !== own);
    if (others?.length === 0) return [];
    return configuration(
      'problem',
      `${others ? `GHL_CHECK_LOCATIONS names ${listed(others)}` : 'GHL_CHECK_LOCATIONS is `all`'}, but the token is a Location token${own ? ` for ${own}` : ''}, which reaches only its own location: install the app agency-wide for a Company token (see README "Agencies") and run \`ghl-auth login --force\`, or unset GHL_CHECK_LOCATIONS`,
    );
  }
  if (!locationId && checkLocations !== 'all' && !checkLocations?.length) {
    return configuration('problem', NO_LOCATION);
  }
  const approved = approvedLocationsOf(stored);
  if (locationId && approved && !approved.includes(locationId)) {
    return configuration('warning', `GHL_LOCATION_ID ${locationId} is not among the ${approved.length} locations approved when the app was installed: one added since may be installed all the same (the check tells), else install the app there`);
  }
  return [];
}

/** When GHL expires the refresh token if it is never used. */
export const refreshTokenDeadAt = (stored: StoredTokens) => Date.parse(stored.obtainedAt) + REFRESH_TOKEN_LIFETIME_MS;

/**
 * The scopes the check needs of this token for the locations it covers. A Location token: the contact's.
 * A Company token: minting Location tokens, listing the installed locations for `all`, reading each other
 * location, and the contact's when there is a health-check location (GHL_LOCATION_ID).
 */
export function requiredScopes(stored: StoredTokens, { locationId, checkLocations }: JudgeConfig): string[] {
  if (tokenTypeOf(stored) === 'Location') return [...CHECK_SCOPES];
  const others = checkLocations === 'all' || (checkLocations ?? []).some((id) => id !== locationId);
  return ['oauth.write', ...(checkLocations === 'all' ? ['oauth.readonly'] : []), ...(others ? ['locations.readonly'] : []), ...(locationId ? CHECK_SCOPES : [])];
}

/** The needed scopes the token lacks; undefined when the response had no scope field, so nothing can be judged. */
export function missingScopes(stored: StoredTokens, config: JudgeConfig): string[] | undefined {
  if (stored.token.scope === undefined) return undefined;
  const granted = scopesOf(stored);
  return requiredScopes(stored, config).filter((scope) => !granted.includes(scope));
}

/** Why a Company token needs a scope beyond the contact's. */
const SCOPE_USES: Record<string, string> = {
  'oauth.write': 'to mint a Location token per location',
  'oauth.readonly': 'to list the installed locations for GHL_CHECK_LOCATIONS=all',
  'locations.readonly': 'to read each location checked',
};

/** "a, b, c and 4 more" */
function listed(ids: string[], most = 5): string {
  return `${ids.slice(0, most).join(', ')}${ids.length > most ? ` and ${ids.length - most} more` : ''}`;
}

const SCOPES_UNKNOWN = 'scopes unknown (the token response had no scope field)';

export const problemsIn = (findings: Finding[]) => findings.filter((finding) => finding.severity === 'problem');
export const warningsIn = (findings: Finding[]) => findings.filter((finding) => finding.severity === 'warning');
