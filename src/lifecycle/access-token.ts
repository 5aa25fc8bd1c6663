import { GhlAuthError } from '../errors.js';
import type { AccessToken } from '../public-types.js';
import { usableAccessToken, type LifecycleDeps } from './obtain.js';
import { isForOtherLocation, scopesOf, tokenTypeOf, type StoredTokens } from '../tokens/stored-tokens.js';
import { NO_LOCATION } from '../tokens/judge.js';
import { LocationTokens } from './location-tokens.js';

export interface AccessTokenRequest {
  /** The location the token must be for; undefined: GHL_LOCATION_ID, and if that is unset too, any. */
  location?: string;
  /** Refresh first when the token expires within this; undefined: GHL_REFRESH_MARGIN_SECONDS. */
  minTtlSeconds?: number;
}

/**
 * The one answer to "an access token for location X, valid for at least N seconds": the stored token,
 * refreshed first under the store's lock exactly as the check does, so any number of callers at once
 * spend the refresh token once. With a Company token (an agency install), a Location token for X,
 * from the cache the check keeps or minted from the Company token and cached.
 */
export async function accessTokenFor(deps: LifecycleDeps, request: AccessTokenRequest): Promise<AccessToken> {
  const asked = request.location ?? deps.config.locationId;
  const { stored } = await usableAccessToken(deps, request.minTtlSeconds);
  if (tokenTypeOf(stored) === 'Company') {
    if (!asked) throw new GhlAuthError('configuration', `${NO_LOCATION}, or pass --location (getAccessToken({ location }))`);
    const tokens = await LocationTokens.load(deps, stored, request.minTtlSeconds);
    const minted = await tokens.tokenFor(asked);
    await tokens.persist();
    return { accessToken: minted.accessToken, expiresAt: minted.expiresAt, locationId: asked, companyId: minted.companyId, userType: 'Location', scopes: (minted.scope ?? '').split(/\s+/).filter(Boolean) };
  }
  const { locationId } = stored.token;
  if (!locationId) throw new GhlAuthError('configuration', 'the stored token names no location (GHL sent userType Location without a locationId): re-authorize with `ghl-auth login --force`');
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
