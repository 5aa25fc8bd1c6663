import { GhlAuthError } from '../errors.js';
import type { AccessToken } from '../public-types.js';
import { obtainAccessToken, type LifecycleDeps } from './obtain.js';
import { isForOtherLocation, scopesOf, type StoredTokens } from '../tokens/stored-tokens.js';

export interface AccessTokenRequest {
  /** The location the token must be for; undefined: GHL_LOCATION_ID, and if that is unset too, any. */
  location?: string;
  /** Refresh first when the token expires within this; undefined: GHL_REFRESH_MARGIN_SECONDS. */
  minTtlSeconds?: number;
}

/**
 * The one answer to "an access token for location X, valid for at least N seconds": the stored token,
 * refreshed first under the store's lock exactly as the check does, so any number of callers at once
 * spend the refresh token once. A Company token (an agency install) is where minting a Location token
 * for X belongs; until then it is refused.
 */
export async function accessTokenFor(deps: LifecycleDeps, request: AccessTokenRequest): Promise<AccessToken> {
  const asked = request.location ?? deps.config.locationId;
  const { stored } = await obtainAccessToken(deps, request.minTtlSeconds);
  const { locationId, userType } = stored.token;
  if (userType === 'Company' || !locationId) {
    throw new GhlAuthError(
      'configuration',
      `the stored token is a Company token (an agency install): Location tokens from a Company install are not supported yet by \`ghl-auth token --location\` and getAccessToken(); install the app from the location (sub-account) itself and run \`ghl-auth login --force\``,
    );
  }
  // The same rule the judge applies to GHL_LOCATION_ID, for the location asked for.
  if (isForOtherLocation(stored, asked)) {
    const named = request.location ? 'the location asked for' : 'GHL_LOCATION_ID';
    throw new GhlAuthError(
      'configuration',
      `the stored token is for location ${locationId}, not ${asked} (${named}): ask for ${locationId}, or authorize the app for ${asked} with \`ghl-auth login --force\``,
    );
  }
  return describe(stored, locationId);
}

function describe(stored: StoredTokens, locationId: string): AccessToken {
  const { token } = stored;
  return {
    accessToken: token.access_token,
    expiresAt: stored.expiresAt,
    locationId,
    companyId: token.companyId ?? null,
    userType: token.userType ?? null,
    scopes: scopesOf(stored),
  };
}
