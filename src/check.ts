import { planLocations, type PlannedLocation } from './check-plan.js';
import { checkHealthContact, readLocation, type HealthContactOutcome, type LocationAccess } from './check-location.js';
import type { ConfigWith, Credentials } from './config.js';
import { mapSettled } from './concurrency.js';
import { GhlAuthError, NEXT_RUN_RETRIES } from './errors.js';
import { withDefaults } from './http-client.js';
import { locationResource } from './location-api.js';
import type { LocationToken } from './oauth/location-token.js';
import { deadlineIn } from './deadline.js';
import { reviewKeptPairs } from './lifecycle/kept-pairs.js';
import { LocationTokens, type Scope } from './lifecycle/location-tokens.js';
import { obtainAccessToken, REFRESHED, refreshAfterRejection, type LifecycleDeps, type TokenAction } from './lifecycle/obtain.js';
import { failedResult, healthyResult, reportError, reportOf, type LocationResult, type RunReport } from './run-report.js';
import { judgeTokens, problemsIn } from './tokens/judge.js';
import { tokenTypeOf, type StoredTokens } from './tokens/stored-tokens.js';

export { tagLeftOnAdvice } from './check-location.js';

export type CheckDeps = LifecycleDeps & { config: ConfigWith<Credentials | 'GHL_HEALTH_CHECK_CONTACT_ID'> };

export interface CheckResult {
  contactId: string;
  tagName: string;
  /** The health-check contact's location. */
  locationId: string | undefined;
  tokenType: 'Company' | 'Location';
  tokenAction: TokenAction;
  /** True when GHL rejected a token we believed valid at the contact's location and one new token fixed it. */
  recoveredFrom401: boolean;
  /** When the stored (Location or Company) access token expires. */
  expiresAt: string;
  durationMs: number;
  /** Location tokens minted from the Company token in this run. */
  minted: number;
  /** The health-check tag as found still on the contact (the workflow did not remove it); absent when it was not. */
  tagLeftOn?: string;
  /** Every location's outcome; the run's exit code is the worst one's. */
  report: RunReport;
  /**
   * What the run ends with when a location failed: with one location its own error, as it was thrown;
   * with several, one that names every failing location (a bug anywhere: that bug). Undefined: healthy.
   */
  failure?: unknown;
}

/**
 * The run: a usable token (the stored one refreshed under the lock, at most once), judged before any
 * request; then each location, a few at a time: the health-check contact's location reads the contact
 * and adds the tag, every other location proves its token with one read. One location's failure never
 * stops another; a failure before any location (token, lock, configuration) is thrown.
 */
export async function runCheck(deps: CheckDeps): Promise<CheckResult> {
  const { config, now } = deps;
  const started = now();
  const runEndsAt = started + config.runTimeoutSeconds * 1000;
  // Kept pairs are reviewed under the token work's lock, even when it failed: a newer one may be the way back.
  const usable = await obtainAccessToken(deps, undefined, () => reviewKeptPairs(deps));
  let stored = usable.stored;
  // The judge that status and login use: a token the check cannot work with fails here, before any request.
  const [unfit] = problemsIn(judgeTokens(stored, config, now()));
  if (unfit) throw new GhlAuthError(unfit.code, unfit.message);

  const tokenType = tokenTypeOf(stored);
  const agency = tokenType === 'Company' ? await LocationTokens.load(deps, stored) : undefined;
  const plan = await planLocations(config, stored, agency && { tokens: agency, http: deps.http });

  let health: HealthContactOutcome | undefined;
  /** One location's check: it throws what went wrong there, which mapSettled keeps beside the others' results. */
  const checkOne = async (location: PlannedLocation): Promise<LocationResult> => {
    // Past the run's bound no location starts. One under way keeps its own deadline: a refresh it sent is never cut off before the save.
    if (now() >= runEndsAt) throw new GhlAuthError('ghl_unavailable', notStarted(config.runTimeoutSeconds));
    // Each location has the whole deadline for itself, so the run's bound grows with the agency (README "Agencies").
    const deadline = deadlineIn(config.checkTimeoutSeconds * 1000);
    const scope: Scope = { deadline, http: withDefaults(deps.http, { signal: deadline.signal }) };
    const http = withDefaults(scope.http, { resource: locationResource(location.locationId) });
    const access = agency ? mintedAccess(agency, location.locationId, scope) : storedAccess({ ...deps, ...scope }, () => stored, (next) => (stored = next));
    const contactId = location.health ? config.contactId : location.contactId;
    if (!contactId) return healthyResult(location.locationId, (await readLocation(http, access, location.locationId, deps.log)).name ?? location.name);
    const outcome = await checkHealthContact(http, access, { contactId, tagName: config.tagName }, deps.log);
    if (location.health) health = outcome;
    return healthyResult(location.locationId, location.name);
  };
  const settled = await mapSettled(plan, config.checkConcurrency, checkOne);
  const errors = settled.flatMap((one) => (one.status === 'rejected' ? [one.reason as unknown] : []));
  const results = settled.map((one, index) => {
    const { locationId, name } = plan[index] as PlannedLocation;
    return one.status === 'fulfilled' ? one.value : failedResult(locationId, name, one.reason);
  });
  await agency?.persist();
  const healthLocation = plan.find((location) => location.health)?.locationId;
  const report = reportOf(results);
  const bug = errors.find((error) => !(error instanceof GhlAuthError));
  const failure = plan.length === 1 ? errors[0] : (bug ?? reportError(report));
  return {
    contactId: config.contactId,
    tagName: config.tagName,
    locationId: healthLocation === 'unknown' ? undefined : healthLocation,
    tokenType,
    tokenAction: usable.action,
    recoveredFrom401: health?.recoveredFrom401 ?? false,
    expiresAt: stored.expiresAt,
    durationMs: now() - started,
    minted: agency?.mintedCount ?? 0,
    ...(health?.tagLeftOn !== undefined && { tagLeftOn: health.tagLeftOn }),
    report,
    ...(failure !== undefined && { failure }),
  };
}

const notStarted = (seconds: number) =>
  `not checked: the run reached GHL_RUN_TIMEOUT_SECONDS (${seconds} s) before this location's turn; ${NEXT_RUN_RETRIES}; if this repeats, raise GHL_RUN_TIMEOUT_SECONDS or GHL_CHECK_CONCURRENCY, or check fewer locations per run`;

/** The stored Location token; a rejected one is refreshed under the lock (or replaced by another run's refresh). */
function storedAccess(deps: LifecycleDeps, current: () => StoredTokens, replace: (next: StoredTokens) => void): LocationAccess {
  return {
    token: () => Promise.resolve(current().token.access_token),
    rejected: async (token) => {
      const next = await refreshAfterRejection(deps, token);
      replace(next);
      return next.token.access_token;
    },
    renewed: REFRESHED,
  };
}

/** A Location token minted from the Company token (or cached); a rejected one is minted again. */
function mintedAccess(tokens: LocationTokens, locationId: string, scope: Scope): LocationAccess {
  let current: LocationToken | undefined;
  return {
    token: async () => (current ??= await tokens.tokenFor(locationId, scope)).accessToken,
    rejected: async () => {
      current = await tokens.rejected(locationId, current ?? (await tokens.tokenFor(locationId, scope)), scope);
      return current.accessToken;
    },
    renewed: 'ghl-auth minted a new Location token',
  };
}

/** The one line a healthy run ends with. */
export function checkSummary(result: CheckResult): string {
  const leftOn = result.tagLeftOn === undefined ? '' : ' (it was still on the contact: removed and added again; check the GHL workflow, see the warning)';
  const more = result.report.locations.length > 1 ? `; ${result.report.locations.length} locations checked` : '';
  return `healthy: tag '${result.tagName}' added to contact '${result.contactId}' (location ${result.locationId ?? 'unknown'}) in ${result.durationMs} ms${leftOn}${more}`;
}
