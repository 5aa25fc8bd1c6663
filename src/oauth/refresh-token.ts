import type { HttpClient } from '../http-client.js';
import { sendTokenRequest, validateTokenResponse, type ClientCredentials, type GrantResult } from './token-grant.js';

/** Spends a refresh token: GHL answers with a new pair and the old refresh token is dead from then on. */
export async function refreshToken(http: HttpClient, credentials: ClientCredentials, token: string, now: () => number): Promise<GrantResult> {
  const response = await sendTokenRequest(http, credentials, { grant_type: 'refresh_token', refresh_token: token });
  return validateTokenResponse('refresh_token', response, now());
}
