import { randomBytes } from 'node:crypto';
import { describeAnswer } from '../ghl-answer.js';
import type { HttpClient } from '../http-client.js';
import { sendTokenRequest, type ClientCredentials } from './token-grant.js';

export type ClientVerdict = { kind: 'accepted' } | { kind: 'rejected' | 'unknown'; answer: string };

/**
 * Asks GHL's token endpoint to refresh a token that cannot exist: nothing is spent, and the answer
 * tells a wrong client id or secret (401, "Invalid client") from right ones with a bad token ("Invalid
 * grant"), without waiting for the next real refresh, up to a day later. Any other answer: unknown.
 */
export async function verifyClient(http: HttpClient, credentials: ClientCredentials): Promise<ClientVerdict> {
  const probe = `ghl-auth-verify-${randomBytes(12).toString('hex')}`;
  const response = await sendTokenRequest(http, credentials, { grant_type: 'refresh_token', refresh_token: probe });
  const message = response.message ?? '';
  if (response.status === 401 || /invalid client|client credentials/i.test(message)) return { kind: 'rejected', answer: describeAnswer(response) };
  if (response.status === 400 && /invalid grant|refresh.?token/i.test(message)) return { kind: 'accepted' };
  return { kind: 'unknown', answer: describeAnswer(response) };
}
