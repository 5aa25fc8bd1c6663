import type { HttpClient } from '../http-client.js';
import { sendTokenRequest, validateTokenResponse, type ClientCredentials, type GrantResult } from './token-grant.js';

/** Trades a one-time authorization code for the first token pair. */
export async function exchangeCode(http: HttpClient, credentials: ClientCredentials, code: string, redirectUri: string, now: () => number): Promise<GrantResult> {
  const response = await sendTokenRequest(http, credentials, { grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  return validateTokenResponse('authorization_code', response, now());
}
