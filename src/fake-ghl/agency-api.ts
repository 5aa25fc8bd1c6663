import { LOCATION_NOT_ACTIVE, NO_ACCESS_TO_LOCATION } from './api-gate.js';
import { errorBody, unprocessable, type Answer } from './http.js';
import type { AccessGrant, FakeGhlState } from './state.js';

/** GHL's text for these is not documented; the stand-in's own wording, all 400 as the v2 spec lists no 403 or 404. */
export const NO_ACCESS_TO_COMPANY = 'The token does not have access to this company.';
export const APP_NOT_INSTALLED = 'The app is not installed on this location.';
export const APP_NOT_FOUND = 'App not found';

/** installedLocations' `limit`: 20 by default (v2 spec); at most 100, the bound v3 gives its page size. */
const PAGE_LIMIT = { default: 20, max: 100 };
const INSTALLED_AT = '2026-01-15T10:30:00.000Z';

/** GET /locations/:id: a Location token for its own location, or a Company token for any of the company's (GHL's Agency-Access). */
export function locationAnswer(state: FakeGhlState, grant: AccessGrant, locationId: string): Answer {
  const location = state.locations.get(locationId);
  if (!location || (grant.userType === 'Location' && grant.locationId !== locationId)) return [403, errorBody(403, NO_ACCESS_TO_LOCATION)];
  if (!location.active) return [400, errorBody(400, LOCATION_NOT_ACTIVE)];
  return [200, { location: { id: location.id, companyId: state.setup.companyId, name: location.name, address: location.address, timezone: 'US/Central' } }];
}

/** POST /oauth/locationToken: a Location token for one installed, active location of the token's company. */
export function locationTokenAnswer(state: FakeGhlState, grant: AccessGrant, form: Record<string, string> | undefined): Answer {
  const fields = form ?? {};
  const missing = missingFields(fields, ['companyId', 'locationId']);
  if (missing) return missing;
  if (fields.companyId !== grant.companyId) return [400, errorBody(400, NO_ACCESS_TO_COMPANY)];
  const location = state.locations.get(String(fields.locationId));
  if (!location?.installed) return [400, errorBody(400, APP_NOT_INSTALLED)];
  if (!location.active) return [400, errorBody(400, LOCATION_NOT_ACTIVE)];
  return [200, state.mintLocationToken(location.id)];
}

/** GET /oauth/installedLocations: the company's locations (only the installed ones with isInstalled=true), a page at a time. */
export function installedLocationsAnswer(state: FakeGhlState, grant: AccessGrant, query: URLSearchParams): Answer {
  const params = Object.fromEntries(query);
  const missing = missingFields(params, ['companyId', 'appId']);
  if (missing) return missing;
  const notNumbers = ['skip', 'limit'].filter((name) => params[name] !== undefined && !/^\d+$/.test(String(params[name])));
  if (notNumbers.length > 0) return unprocessable(notNumbers.map((name) => `${name} must be a number string`));
  if (params.companyId !== grant.companyId) return [400, errorBody(400, NO_ACCESS_TO_COMPANY)];
  if (params.appId !== state.setup.appId) return [400, errorBody(400, APP_NOT_FOUND)];
  const name = params.query?.toLowerCase();
  const matching = [...state.locations.values()].filter(
    (location) => (params.isInstalled !== 'true' || location.installed) && (!params.locationId || location.id === params.locationId) && (!name || location.name.toLowerCase().includes(name)),
  );
  const skip = Number(params.skip ?? 0);
  const limit = Math.min(Math.max(Number(params.limit ?? PAGE_LIMIT.default), 1), PAGE_LIMIT.max);
  const page = matching.slice(skip, skip + limit).map((location) => ({ _id: location.id, name: location.name, address: location.address, isInstalled: location.installed, ...(location.installed ? { installedAt: INSTALLED_AT } : {}) }));
  return [200, { locations: page, count: matching.length, installToFutureLocations: state.setup.installToFutureLocations }];
}

/** NestJS's validation answer: one message per missing field. */
function missingFields(fields: Record<string, string | undefined>, names: string[]): Answer | undefined {
  const missing = names.filter((name) => !fields[name]);
  return missing.length > 0 ? unprocessable(missing.map((name) => `${name} should not be empty`)) : undefined;
}
