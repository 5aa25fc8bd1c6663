import { errorBody, unprocessable, type Answer } from './http.js';
import type { FakeGhlState, TokenGrant } from './state.js';

/**
 * POST /oauth/token as GHL's v2 contract has it: form-encoded, single-use codes, rotating single-use
 * refresh tokens. An agency install's code, or `user_type=Company`, gets a Company token; a refresh
 * keeps the type the token was issued with.
 */
export function tokenAnswer(state: FakeGhlState, form: Record<string, string> | undefined): Answer {
  const { setup } = state;
  if (!form) return unprocessable(['body must be application/x-www-form-urlencoded']);
  if (!form.client_id) return [400, errorBody(400, 'Missing parameter: clientId')];
  if (form.client_id !== setup.clientId || form.client_secret !== setup.clientSecret) return [401, errorBody(401, 'Invalid client: client credentials are invalid', 'Unauthorized')];
  if (form.user_type !== 'Location' && form.user_type !== 'Company') return [400, errorBody(400, 'Invalid parameter: userType')];
  if (form.grant_type === 'authorization_code') {
    if (form.redirect_uri !== setup.redirectUri) return [400, errorBody(400, 'Invalid parameter: redirect_uri does not match')];
    const code = form.code ?? '';
    return grantTokens(state, state.codeGrant(code, form.user_type), () => state.redeemCode(code), 'Invalid grant: authorization code is invalid');
  }
  if (form.grant_type === 'refresh_token') {
    const token = form.refresh_token ?? '';
    return grantTokens(state, state.refreshGrant(token), () => state.spendRefreshToken(token) !== undefined, 'Invalid grant: refresh token is invalid');
  }
  return [400, errorBody(400, 'Invalid parameter: grantType')];
}

/**
 * An inactive location's grant is refused before the code or refresh token is spent: GHL documents that
 * the same refresh token works again once the location is active. `spend` runs for every other answer,
 * so a refresh token presented twice is counted.
 */
function grantTokens(state: FakeGhlState, grant: TokenGrant | undefined, spend: () => boolean, invalid: string): Answer {
  if (grant && state.isInactive(grant.locationId)) return [400, errorBody(400, 'Location is not active')];
  return spend() && grant ? [200, state.issueTokens(grant)] : [400, errorBody(400, invalid)];
}
