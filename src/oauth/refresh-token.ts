import type { HttpClient } from '../http-client.js';
import type { TokenResponse } from '../tokens/stored-tokens.js';
import { sendTokenRequest, validateTokenResponse, type ClientCredentials, type GrantResult } from './token-grant.js';

/**
 * Spends a refresh token: GHL answers with a new pair and the old refresh token is dead from then on.
 * `user_type` is the stored token's own, as GHL's official SDK sends it (a Company token stays Company);
 * the configured type only stands in for a token saved without one GHL takes.
 */
export async function refreshToken(http: HttpClient, credentials: ClientCredentials, token: Pick<TokenResponse, 'refresh_token' | 'userType'>, now: () => number): Promise<GrantResult> {
  const userType = token.userType === 'Company' || token.userType === 'Location' ? token.userType : credentials.userType;
  const response = await sendTokenRequest(http, { ...credentials, userType }, { grant_type: 'refresh_token', refresh_token: token.refresh_token });
  return validateTokenResponse('refresh_token', response, now());
}
