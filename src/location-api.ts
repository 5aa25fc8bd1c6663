import type { z } from 'zod';
import { GhlAuthError, NEXT_RUN_RETRIES } from './errors.js';
import { describeAnswer, ghlMessage, locationInactiveIn } from './ghl-answer.js';
import type { HttpResponse } from './http-client.js';

/** GHL's v2 location APIs (Contacts, Locations) refuse calls without this header. */
export const API_VERSION = '2021-07-28';

/** GHL counts requests per app per resource: a location, or the company for Company-token calls. */
export const companyResource = (companyId: string) => `company:${companyId}`;
export const locationResource = (locationId: string) => `location:${locationId}`;

export const bearer = (accessToken: string) => ({ Authorization: `Bearer ${accessToken}`, Version: API_VERSION });

/** What GHL's 401 to a bearer token means. */
export type Refusal = 'wrong_token_type' | 'scope_missing' | 'access_token_rejected';

/**
 * A 401 told apart, in the one order that works: GHL's answer to a Company token on an API that takes
 * only Location tokens ("This authClass type is not allowed to access this scope") names a scope but
 * is none, so it is told first; then a missing scope; anything else is the token itself, which a
 * refresh may fix. `says` words each for the request at hand.
 */
export function refusal401(message: string, says: Record<Refusal, string>): GhlAuthError {
  const code: Refusal = /authclass/i.test(message) ? 'wrong_token_type' : /scope/i.test(message) ? 'scope_missing' : 'access_token_rejected';
  return new GhlAuthError(code, says[code]);
}

/** A Company access token GHL rejected, when minting or listing: the caller refreshes it once, and says what to do only if GHL rejects the new one too. */
export const companyTokenRejected = (answer: string) => `GHL rejected the Company access token (${answer})`;

export const WRONG_TOKEN_TYPE =
  "a Company (agency) token was sent where GHL takes only a Location token: neither a refresh nor new scopes help; ghl-auth mints Location tokens from a Company token for the locations it checks (GHL_LOCATION_ID, GHL_CHECK_LOCATIONS): see README 'Agencies'";

/** What a refused answer of a location API means, whichever endpoint; `subject` names the thing asked for. */
export interface RefusalWording {
  /** "contact 'C1'", "location 'L1'" */
  subject: string;
  /** The 403: the token is for another location. */
  otherLocation: string;
  /** 400/404/422: the id is wrong. */
  notFound: () => GhlAuthError;
}

/** The body of a 2xx answer as `schema` reads it; any other answer becomes the error that says what to do. */
export function readAnswer<T>(response: HttpResponse, schema: z.ZodType<T>, wording: RefusalWording): T {
  const { status, body } = response;
  if (status >= 200 && status < 300) {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new GhlAuthError('ghl_unexpected_response', `GHL answered ${status} for ${wording.subject} with a body its API does not describe; ${NEXT_RUN_RETRIES}`);
  }
  const answer = describeAnswer(response);
  const message = ghlMessage(body);
  const inactive = locationInactiveIn(body);
  if (inactive) throw inactive;
  if (status === 401) {
    throw refusal401(message, {
      wrong_token_type: `GHL refused ${wording.subject} (${answer}): ${WRONG_TOKEN_TYPE}`,
      scope_missing: `the token lacks a scope the check needs (GHL answered ${answer} for ${wording.subject}): ${SCOPE_ADVICE}`,
      access_token_rejected: `GHL rejected the access token (${answer})`,
    });
  }
  if (status === 403) throw new GhlAuthError('reauthorization_required', `GHL refused access to ${wording.subject} (${answer}): ${wording.otherLocation}`);
  if (status === 400 || status === 404 || status === 422) throw wording.notFound();
  throw new GhlAuthError('ghl_unexpected_response', `GHL answered ${answer} for ${wording.subject}; ${NEXT_RUN_RETRIES}`);
}

const SCOPE_ADVICE = 'add contacts.readonly and contacts.write (and locations.readonly to check several locations) to the app and GHL_SCOPES, then re-authorize (ghl-auth login --force)';
