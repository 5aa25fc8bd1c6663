import type { IncomingMessage } from 'node:http';
import { API_VERSION } from '../contacts.js';
import { errorBody, type Answer } from './http.js';
import type { AccessGrant, FakeGhlState, UserType } from './state.js';

/** The bearer-token APIs: GHL counts each of their requests against the token's location or company. */
export type ApiRoute = 'contact' | 'tags' | 'location' | 'locationToken' | 'installedLocations';

/** Who may call each API and with which scope (GHL's spec: Location-Access, Agency-Access, Agency-Access-Only). */
const ACCESS: Record<ApiRoute, { scope: string; userTypes: UserType[] }> = {
  contact: { scope: 'contacts.readonly', userTypes: ['Location'] },
  tags: { scope: 'contacts.write', userTypes: ['Location'] },
  location: { scope: 'locations.readonly', userTypes: ['Location', 'Company'] },
  locationToken: { scope: 'oauth.write', userTypes: ['Company'] },
  installedLocations: { scope: 'oauth.readonly', userTypes: ['Company'] },
};

export const AUTH_CLASS_REFUSED = 'This authClass type is not allowed to access this scope. Please reach out to the Platform team to get it added.';
export const NO_ACCESS_TO_LOCATION = 'The token does not have access to this location.';
export const LOCATION_NOT_ACTIVE = 'Location is not active';

/** A request let through: its grant, and the rate-limit headers its answer carries. */
export interface Admitted {
  grant: AccessGrant;
  headers: Record<string, string>;
}

/**
 * What GHL checks before an API does its work, in this order: the token, the rate limit of its resource,
 * the Version header, the token's type (authClass), its scope, and whether its location is active.
 */
export function admit(state: FakeGhlState, route: ApiRoute, req: IncomingMessage): Admitted | Answer {
  const grant = state.accessGrant(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
  if (!grant) return [401, errorBody(401, 'Invalid JWT', 'Unauthorized')];
  const limit = state.rateLimits.take(grant.userType === 'Company' ? `company:${grant.companyId}` : String(grant.locationId));
  const refuse = (status: number, message: string, error?: string): Answer => [status, errorBody(status, message, error), limit.headers];
  if (!limit.allowed) return refuse(429, 'Too Many Requests');
  if (req.headers.version !== API_VERSION) return refuse(400, 'Version header was not found');
  const access = ACCESS[route];
  if (!access.userTypes.includes(grant.userType)) return refuse(401, AUTH_CLASS_REFUSED, 'Unauthorized');
  if (!grant.scope.split(' ').includes(access.scope)) return refuse(401, 'The token is not authorized for this scope.', 'Unauthorized');
  if (state.isInactive(grant.locationId)) return refuse(400, LOCATION_NOT_ACTIVE);
  return { grant, headers: limit.headers };
}
