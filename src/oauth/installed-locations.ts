import { z } from 'zod';
import { GhlAuthError, NEXT_RUN_RETRIES } from '../errors.js';
import { describeAnswer, ghlMessage } from '../ghl-answer.js';
import type { HttpClient, HttpResponse } from '../http-client.js';
import { bearer, companyResource, companyTokenRejected, refusal401 } from '../location-api.js';

export interface InstalledLocation {
  locationId: string;
  name: string | null;
}

const pageSchema = z.looseObject({
  locations: z.array(z.looseObject({ _id: z.string().min(1), name: z.string().optional(), isInstalled: z.boolean().optional() })),
  count: z.number().int().nonnegative().optional(),
});

/** GHL pages the list; 100 a page (its maximum) keeps an agency of thousands to a few dozen requests. */
export const PAGE_SIZE = 100;
/**
 * The most locations one run checks with `all`: minting a Location token for each of 10,000 alone takes
 * about 20 minutes at GHL's 100 requests per 10 s. A longer list, or one that never ends, stops here
 * instead of running unbounded.
 */
export const MAX_LOCATIONS = 10_000;

/** GET /oauth/installedLocations (Company token, scope oauth.readonly): one page, unjudged. */
export function sendInstalledLocationsRequest(http: HttpClient, companyToken: string, query: { companyId: string; appId: string; skip: number }): Promise<HttpResponse> {
  const params = new URLSearchParams({ companyId: query.companyId, appId: query.appId, isInstalled: 'true', skip: String(query.skip), limit: String(PAGE_SIZE) });
  return http.send({ method: 'GET', path: `/oauth/installedLocations?${params}`, headers: bearer(companyToken), resource: companyResource(query.companyId) });
}

/** One page: the installed locations on it, how many the page held, and the total GHL reports. */
export function validateInstalledLocations(response: HttpResponse, appId: string): { locations: InstalledLocation[]; pageLength: number; count: number | undefined } {
  const { status, body } = response;
  const answer = describeAnswer(response);
  if (status >= 200 && status < 300) {
    const parsed = pageSchema.safeParse(body);
    if (!parsed.success) throw new GhlAuthError('ghl_unexpected_response', `GHL answered ${status} to the list of installed locations with a body its API does not describe; ${NEXT_RUN_RETRIES}`);
    const installed = parsed.data.locations.filter((location) => location.isInstalled !== false);
    return { locations: installed.map((location) => ({ locationId: location._id, name: location.name ?? null })), pageLength: parsed.data.locations.length, count: parsed.data.count };
  }
  const message = ghlMessage(body);
  if (status === 401) {
    throw refusal401(message, {
      wrong_token_type: `GHL refused to list installed locations (${answer}): GHL_CHECK_LOCATIONS=all needs a Company token (an agency install); with a Location token, check only its location`,
      scope_missing: `GHL refused to list installed locations (${answer}): add oauth.readonly to the app and GHL_SCOPES, then re-authorize (ghl-auth login --force)`,
      access_token_rejected: companyTokenRejected(answer),
    });
  }
  if (status >= 400 && status < 500) {
    throw new GhlAuthError('configuration', `GHL refused to list the locations of app ${appId} (${answer}): set GHL_APP_ID to your app's id (the part of the client id before '-'), or list the locations in GHL_CHECK_LOCATIONS`);
  }
  throw new GhlAuthError('ghl_unexpected_response', `GHL answered the list of installed locations with ${answer}; ${NEXT_RUN_RETRIES}`);
}

/** Every location where the app is installed, page by page, at most MAX_LOCATIONS. */
export async function listInstalledLocations(http: HttpClient, companyToken: string, companyId: string, appId: string): Promise<InstalledLocation[]> {
  const all = new Map<string, InstalledLocation>();
  for (let skip = 0; ; ) {
    const { locations, pageLength, count } = validateInstalledLocations(await sendInstalledLocationsRequest(http, companyToken, { companyId, appId, skip }), appId);
    for (const location of locations) all.set(location.locationId, location);
    skip += pageLength;
    if (all.size > MAX_LOCATIONS) throw new GhlAuthError('configuration', TOO_MANY);
    // An empty page ends the list, and so does a short one unless GHL's total says more follow (a server may
    // cap pages below PAGE_SIZE); a full page never does: `count` may be a total of something else.
    if (pageLength === 0 || (pageLength < PAGE_SIZE && (count === undefined || skip >= count))) return [...all.values()];
    if (skip > MAX_LOCATIONS) {
      throw new GhlAuthError('ghl_unexpected_response', `GHL's list of installed locations did not end: ${skip} entries read, ${all.size} different locations among them; ${NEXT_RUN_RETRIES}; if this repeats, ${LIST_THEM}`);
    }
  }
}

const LIST_THEM = "list the locations to check in GHL_CHECK_LOCATIONS instead of 'all'";
const TOO_MANY = `GHL lists more than ${MAX_LOCATIONS} locations where the app is installed, more than one run checks: ${LIST_THEM} (at most ${MAX_LOCATIONS} a run)`;
