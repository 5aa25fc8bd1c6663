import { tagLeftOnAdvice } from '../check.js';
import type { Config } from '../config.js';
import type { ErrorCode } from '../errors.js';
import { exitCodeFor } from '../exit-codes.js';
import { locationsOf, type LastRun, type LocationRecord } from '../monitoring/last-run.js';
import type { ClientVerdict } from '../oauth/verify-client.js';
import type { KeptFile } from '../store/kept-pairs.js';
import { describeKeptPairs, judgeKeptPairs, type KeptPair } from './kept-pairs.js';
import { judgeTokens, missingScopes, problemsIn, refreshTokenDeadAt, warningsIn } from './judge.js';
import { locationTable } from './location-table.js';
import type { RefreshClaim } from '../store/token-store.js';
import { fingerprint, relativeTime, scopesOf, spentMarkOf, type StoredTokens } from './stored-tokens.js';
import { describeReach, holderOf, reachOf, type TokenReach } from './token-reach.js';

/** Everything `status` shows; never a token. */
export interface TokenStatus extends TokenReach {
  tokensFile: string;
  /** The shared store the tokens are in (postgres://user@host:port/db, no password), when not the token file. */
  tokenStore?: string;
  usable: boolean;
  /** Why the tokens are not usable, worst first; the first decides the exit code. */
  problems: { code: ErrorCode; message: string }[];
  warnings: string[];
  locationId: string | null;
  companyId: string | null;
  userType: string | null;
  scopes: string[];
  /** Whether the scopes the check needs of this token (its type, the locations to check) are there; null: the token response had no scope field. */
  checkScopesPresent: boolean | null;
  accessToken: { expiresAt: string; expiresIn: string; expired: boolean };
  refreshToken: { obtainedAt: string; obtained: string; expiresUnusedAt: string };
  /** When and why the refresh token was marked spent (never sent again); null: it was not. */
  refreshTokenSpent: { at: string; reason: string } | null;
  /** The last-run record, less its locations (those are `locations`). */
  lastCheck: LastRun | null;
  /** Each location's outcome in the last check; empty when it recorded none. */
  locations: LocationRecord[];
  /** What GHL said of the client id and secret (`status --verify`); null when not asked. */
  clientCredentials: ClientVerdict['kind'] | null;
  /** Pairs kept beside the token file (a save that lost a race or failed), oldest first. */
  keptPairs: KeptPair[];
}

export interface StatusInput {
  config: Pick<Config, 'tokensFile' | 'locationId' | 'checkLocations'>;
  stored: StoredTokens;
  lastRun: LastRun | undefined;
  /** The newest refresh claim for the stored token, if one was left unfinished. */
  claim: RefreshClaim | undefined;
  /** The Postgres store's name, when the tokens are there. */
  tokenStore?: string;
  now: number;
}

/** Judges the saved tokens from local facts only: no request to GHL. */
export function assessTokens({ config, stored, lastRun, claim, tokenStore, now }: StatusInput): TokenStatus {
  const { token } = stored;
  const findings = judgeTokens(stored, config, now);
  const problems: TokenStatus['problems'] = problemsIn(findings).map(({ code, message }) => ({ code, message }));
  const warnings = warningsIn(findings).map((finding) => finding.message);
  // Without an access token (GHL sent none) the pair is as good as expired: the next check refreshes.
  const expiresAt = token.access_token ? Date.parse(stored.expiresAt) : Math.min(Date.parse(stored.expiresAt), now);
  const obtainedAt = Date.parse(stored.obtainedAt);
  const missing = missingScopes(stored, config);
  // Only a run after these tokens were saved says something about them: a `check` that failed before
  // the first `login` is history.
  const lastRunCounts = lastRun !== undefined && Date.parse(lastRun.at) >= obtainedAt;
  if (lastRunCounts && lastRun.exitCode === 3) {
    problems.push({ code: 'reauthorization_required', message: `the last check (${lastRun.at}) ended with: ${lastRun.message ?? lastRun.reason ?? 'exit 3'}` });
  }
  const spent = spentMarkOf(stored);
  if (claim && !spent && claim.refreshToken === fingerprint(token.refresh_token)) {
    warnings.push(`a refresh of this token started ${claim.startedAt} never finished; the next check tells whether GHL spent the token (then: \`ghl-auth login --force\`)`);
  }
  if (lastRun?.tagLeftOn !== undefined) warnings.push(`the last check (${lastRun.at}) warned: ${tagLeftOnAdvice(lastRun.tagLeftOn)}`);
  if (lastRunCounts && lastRun.exitCode !== 0 && lastRun.exitCode !== 3) warnings.push(`the last check failed (exit ${lastRun.exitCode}): ${lastRun.message ?? lastRun.reason ?? ''}`);

  return {
    tokensFile: config.tokensFile,
    ...(tokenStore ? { tokenStore } : {}),
    usable: problems.length === 0,
    problems,
    warnings,
    locationId: token.locationId ?? null,
    companyId: token.companyId ?? null,
    userType: token.userType ?? null,
    ...reachOf(stored, config.locationId),
    scopes: scopesOf(stored),
    checkScopesPresent: missing ? missing.length === 0 : null,
    accessToken: { expiresAt: stored.expiresAt, expiresIn: relativeTime(expiresAt, now), expired: expiresAt <= now },
    refreshToken: { obtainedAt: stored.obtainedAt, obtained: relativeTime(obtainedAt, now), expiresUnusedAt: new Date(refreshTokenDeadAt(stored)).toISOString() },
    refreshTokenSpent: spent ? { at: spent.at, reason: spent.reason } : null,
    // The locations once, in `locations`: the record is shown less them.
    lastCheck: lastRun ? { ...lastRun, locations: undefined } : null,
    locations: locationsOf(lastRun),
    clientCredentials: null,
    keptPairs: [],
  };
}

/** Adds GHL's verdict on the client id and secret: wrong ones fail status now, not the next refresh. */
export function judgeClient(status: TokenStatus, verdict: ClientVerdict): void {
  status.clientCredentials = verdict.kind;
  if (verdict.kind === 'rejected') {
    status.problems.unshift({
      code: 'configuration',
      message: `GHL rejected GHL_CLIENT_ID or GHL_CLIENT_SECRET (it answered ${verdict.answer}): copy both again from your app's settings in the marketplace; the next refresh would fail the same way`,
    });
    status.usable = false;
  } else if (verdict.kind === 'unknown') {
    status.warnings.push(`could not tell whether GHL accepts the client id and secret (it answered ${verdict.answer})`);
  }
}

/** Names the kept pairs, and which may hold the live refresh token: one warning, never a problem. */
export function noteKeptPairs(status: TokenStatus, files: KeptFile[]): void {
  status.keptPairs = judgeKeptPairs(files, Date.parse(status.refreshToken.obtainedAt));
  const warning = describeKeptPairs(status.keptPairs);
  if (warning) status.warnings.push(warning);
}

/** The human form: one fact per line. */
export function formatStatus(status: TokenStatus, nowMs: number): string {
  const last = status.lastCheck;
  const [holder, holding] = holderOf(status, status.tokenType);
  const rows: [string, string][] = [
    status.tokenStore ? ['token store', status.tokenStore] : ['token file', status.tokensFile],
    [holder, `${holding}, user type ${status.userType ?? 'unknown'}`],
    ['token type', describeReach(status, status.locationId)],
    ['scopes', `${status.scopes.join(' ') || '(none reported)'} (${status.checkScopesPresent === null ? 'unknown' : status.checkScopesPresent ? "the check's scopes are present" : "the check's scopes are MISSING"})`],
    ['access token', `${status.accessToken.expired ? 'expired' : 'expires'} ${status.accessToken.expiresAt} (${status.accessToken.expiresIn})`],
    ['refresh token', `obtained ${status.refreshToken.obtainedAt} (${status.refreshToken.obtained}); expires unused ${status.refreshToken.expiresUnusedAt}`],
    ...(status.clientCredentials ? [['credentials', CREDENTIAL_VERDICTS[status.clientCredentials]] as [string, string]] : []),
    ['last check', last ? `${last.at}: ${last.outcome} (exit ${last.exitCode})${last.lastSuccessAt && last.outcome !== 'healthy' ? `, last healthy ${last.lastSuccessAt}` : ''}` : 'none recorded'],
  ];
  const [summary, ...table] = locationTable(status.locations, nowMs);
  if (summary) rows.push(['locations', summary]);
  const lines = [...rows.map(([name, value]) => `${name.padEnd(14)}${value}`), ...table];
  for (const warning of status.warnings) lines.push(`warning: ${warning}`);
  for (const problem of status.problems) lines.push(`problem: ${problem.message}`);
  lines.push(`verdict: ${verdictOf(status)}`);
  return `${lines.join('\n')}\n`;
}

/** Exit 3 needs a human to authorize again, which is what the reader must do. */
function verdictOf({ usable, problems: [worst] }: TokenStatus): string {
  if (usable || !worst) return 'usable';
  return exitCodeFor(worst.code) === 3 ? 're-authorize (`ghl-auth login --force`)' : 'NOT usable';
}

const CREDENTIAL_VERDICTS: Record<ClientVerdict['kind'], string> = {
  accepted: 'GHL accepts the client id and secret (checked now, nothing spent)',
  rejected: 'GHL REJECTS the client id or secret',
  unknown: "GHL's answer did not tell",
};
