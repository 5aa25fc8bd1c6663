import { randomBytes } from 'node:crypto';

export interface AuthorizationRequest {
  authorizeUrl: string;
  clientId: string;
  redirectUri: string;
  /** Space-separated. */
  scopes: string;
}

/** Unguessable, so a redirect that does not carry it did not come from the consent page we opened. */
export function newState(): string {
  return randomBytes(24).toString('base64url');
}

/** The consent page a user opens to install the app; GHL redirects to `redirectUri?code=...&state=...`. */
export function authorizationUrl(request: AuthorizationRequest, state: string): string {
  const url = new URL(request.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', request.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  url.searchParams.set('scope', request.scopes);
  url.searchParams.set('state', state);
  return url.toString();
}
