import { appIdOf, type Config } from './config.js';
import { GhlAuthError } from './errors.js';
import type { HttpClient } from './http-client.js';
import type { LocationTokens } from './lifecycle/location-tokens.js';
import { listInstalledLocations } from './oauth/installed-locations.js';
import { NO_LOCATION } from './tokens/judge.js';
import { tokenTypeOf, type StoredTokens } from './tokens/stored-tokens.js';

/** One location a run checks; `health` marks the location of GHL_HEALTH_CHECK_CONTACT_ID (read and tagged). */
export interface PlannedLocation {
  locationId: string;
  name: string | null;
  health: boolean;
  /** A health-check contact of the location's own (GHL_CHECK_LOCATIONS' `location:contact`): read and tagged too. */
  contactId?: string;
}

const CONTACT_LOCATION_UNKNOWN =
  'GHL_CHECK_LOCATIONS names several locations, but not which one holds GHL_HEALTH_CHECK_CONTACT_ID: set GHL_LOCATION_ID to that location (it is read and tagged there; the others are read)';

/**
 * Which locations this run checks. A Location token reaches only its own location. A Company token:
 * GHL_LOCATION_ID (the health-check contact's location) first, then GHL_CHECK_LOCATIONS, `all` being
 * every location where the app is installed now (an uninstalled location simply leaves the list).
 */
export async function planLocations(
  config: Pick<Config, 'locationId' | 'checkLocations' | 'locationContacts' | 'appId' | 'clientId'>,
  stored: StoredTokens,
  agency: { tokens: LocationTokens; http: HttpClient } | undefined,
): Promise<PlannedLocation[]> {
  if (tokenTypeOf(stored) === 'Location' || !agency) {
    return [{ locationId: stored.token.locationId ?? config.locationId ?? 'unknown', name: null, health: true }];
  }
  const selection = config.checkLocations;
  const only = Array.isArray(selection) && selection.length === 1 ? selection[0] : undefined;
  const contactAt = config.locationId ?? only;
  if (!contactAt) throw new GhlAuthError('configuration', selection ? CONTACT_LOCATION_UNKNOWN : NO_LOCATION);
  const planned = new Map<string, PlannedLocation>([[contactAt, { locationId: contactAt, name: null, health: true }]]);
  const others = selection === 'all' ? await installedLocations(config, agency) : (selection ?? []).map((locationId) => ({ locationId, name: null }));
  for (const { locationId, name } of others) {
    const known = planned.get(locationId);
    if (known) known.name ??= name;
    else planned.set(locationId, { locationId, name, health: false });
  }
  for (const [locationId, contactId] of Object.entries(config.locationContacts)) {
    const known = planned.get(locationId);
    // With `all`, a location given a contact but no longer installed has left the list with the others.
    if (known && !known.health) known.contactId = contactId;
  }
  return [...planned.values()];
}

async function installedLocations(config: Pick<Config, 'appId' | 'clientId'>, { tokens, http }: { tokens: LocationTokens; http: HttpClient }) {
  const appId = appIdOf(config);
  if (!appId) {
    throw new GhlAuthError('configuration', "GHL_CHECK_LOCATIONS=all needs the app's id: set GHL_APP_ID (the client id has no '<appId>-' prefix to take it from)");
  }
  return tokens.withCompanyToken((companyToken) => listInstalledLocations(http, companyToken, tokens.companyId, appId));
}
