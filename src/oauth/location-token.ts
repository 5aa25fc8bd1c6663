import { z } from 'zod';
import { GhlAuthError, NEXT_RUN_RETRIES } from '../errors.js';
import { describeAnswer, ghlMessage, locationInactiveIn } from '../ghl-answer.js';
import type { HttpClient, HttpResponse } from '../http-client.js';
import { bearer, companyResource, companyTokenRejected, refusal401, WRONG_TOKEN_TYPE } from '../location-api.js';
import { MAX_ACCESS_TOKEN_SECONDS } from '../tokens/stored-tokens.js';

/** A Location token minted from the Company token: it has no refresh token; another is minted when it expires. */
export interface LocationToken {
  locationId: string;
  companyId: string;
  accessToken: string;
  /** ISO 8601 */
  expiresAt: string;
  scope?: string | undefined;
}

const mintedSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
  locationId: z.string().optional(),
});

/** POST /oauth/locationToken: form body, the Company token as bearer (scope oauth.write). Answers GHL's reply unjudged. */
export function sendLocationTokenRequest(http: HttpClient, companyToken: string, companyId: string, locationId: string): Promise<HttpResponse> {
  return http.send({ method: 'POST', path: '/oauth/locationToken', headers: bearer(companyToken), form: { companyId, locationId }, resource: companyResource(companyId) });
}

/** Turns GHL's reply into a Location token for `locationId`, or the error that says what to do. */
export function validateLocationToken(response: HttpResponse, companyId: string, locationId: string, receivedAt: number): LocationToken {
  const { status, body } = response;
  const answer = describeAnswer(response);
  if (status >= 200 && status < 300) {
    const parsed = mintedSchema.safeParse(body);
    if (!parsed.success || (parsed.data.locationId !== undefined && parsed.data.locationId !== locationId)) {
      throw new GhlAuthError('ghl_unexpected_response', `GHL answered ${status} to the Location token request for ${locationId} without a usable token for that location; ${NEXT_RUN_RETRIES}`);
    }
    const { access_token: accessToken, expires_in: expiresIn, scope } = parsed.data;
    const expiresAt = new Date(receivedAt + Math.min(expiresIn, MAX_ACCESS_TOKEN_SECONDS) * 1000).toISOString();
    return { locationId, companyId, accessToken, expiresAt, scope };
  }
  const message = ghlMessage(body);
  const inactive = locationInactiveIn(body);
  if (inactive) throw inactive;
  if (status === 401) {
    throw refusal401(message, {
      wrong_token_type: `GHL refused to mint a Location token (${answer}): the stored token is not a Company token; ${WRONG_TOKEN_TYPE}`,
      scope_missing: `GHL refused to mint a Location token (${answer}): the Company token lacks oauth.write; add oauth.write (and oauth.readonly for GHL_CHECK_LOCATIONS=all) to the app and GHL_SCOPES, then re-authorize (ghl-auth login --force)`,
      access_token_rejected: companyTokenRejected(answer),
    });
  }
  if (status === 400 || status === 403 || status === 404 || status === 422) {
    throw new GhlAuthError(
      'configuration',
      `GHL would not mint a Location token for ${locationId} (${answer}): the app is not installed there, or it is not a location of company ${companyId}; install the app there from the agency view, or remove it from GHL_CHECK_LOCATIONS / GHL_LOCATION_ID`,
    );
  }
  throw new GhlAuthError('ghl_unexpected_response', `GHL answered the Location token request for ${locationId} with ${answer}; ${NEXT_RUN_RETRIES}`);
}

export async function mintLocationToken(http: HttpClient, companyToken: string, companyId: string, locationId: string, now: () => number): Promise<LocationToken> {
  const response = await sendLocationTokenRequest(http, companyToken, companyId, locationId);
  return validateLocationToken(response, companyId, locationId, now());
}
