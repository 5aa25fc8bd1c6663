import { GhlAuthError, NEXT_RUN_RETRIES } from '../errors.js';
import { describeAnswer, ghlMessage, locationInactiveIn } from '../ghl-answer.js';
import type { HttpClient, HttpResponse } from '../http-client.js';
import type { TokenResponse } from '../tokens/stored-tokens.js';
import { keptAnswer, shapeOf, type KeptAnswer } from './kept-answer.js';
import { readTokenAnswer } from './token-answer.js';

export type Grant = 'authorization_code' | 'refresh_token';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  userType: 'Location' | 'Company';
}

export interface GrantResult {
  token: TokenResponse;
  /** When the answer arrived, for the absolute expiry. */
  receivedAt: number;
  /** Something was wrong with a 2xx answer that still carried a new pair: throw it after saving `token`. */
  problem?: GhlAuthError;
}

/** POST /oauth/token, form-encoded, no Authorization header. Answers GHL's reply unjudged. */
export function sendTokenRequest(http: HttpClient, credentials: ClientCredentials, fields: Record<string, string>): Promise<HttpResponse> {
  return http.send({
    method: 'POST',
    path: '/oauth/token',
    singleUse: true,
    form: { client_id: credentials.clientId, client_secret: credentials.clientSecret, user_type: credentials.userType, ...fields },
  });
}

/**
 * Turns GHL's reply into a token response or the error that says what the user must do. A 2xx answer
 * with a new refresh token is returned even when odd, with the `problem` to throw once it is saved;
 * one without is a NoRefreshToken, never an internal error.
 */
export function validateTokenResponse(grant: Grant, response: HttpResponse, receivedAt: number): GrantResult {
  const { status, body } = response;
  if (status >= 200 && status < 300) {
    const answer = readTokenAnswer(status, body);
    if (answer) return { ...answer, receivedAt };
    // A success status means GHL may have spent what was sent, and there is nothing to replace it.
    const said = `GHL answered the ${grant === 'refresh_token' ? 'refresh' : 'code exchange'} with ${status} but no refresh token (${shapeOf(response)})`;
    throw new NoRefreshToken(
      keptAnswer(response),
      grant === 'refresh_token'
        ? `${said}; GHL may have rotated the stored refresh token, so it is never sent again: re-authorize with \`ghl-auth login --force\``
        : `${said}; the authorization code is spent: ${NEW_CODE}`,
    );
  }
  const message = ghlMessage(body);
  const answer = describeAnswer(response);
  if (/invalid grant/i.test(message)) {
    if (grant === 'authorization_code') throw new GhlAuthError('reauthorization_required', `${CODE_DEAD} (GHL answered ${answer})`);
    throw new RefreshTokenDead(answer, response.attempts > 1 ? `${REFRESH_TOKEN_DEAD}. ${lostInTransit(response.attempts)}` : REFRESH_TOKEN_DEAD);
  }
  // GHL also answers "Invalid parameter: refreshToken" (or code) for a dead credential: not a configuration typo.
  if (/invalid parameter\W*(refresh_?token|code)\b/i.test(message)) {
    if (grant === 'authorization_code') throw new GhlAuthError('reauthorization_required', `GHL rejected the authorization code (GHL answered ${answer}): ${NEW_CODE}`);
    throw new RefreshTokenDead(answer, `GHL rejected the stored refresh token (GHL answered ${answer}). ${REAUTHORIZE}`);
  }
  const inactive = locationInactiveIn(body);
  if (inactive) throw inactive;
  if (status === 401 || /client|parameter|redirect|user_?type/i.test(message)) {
    throw new GhlAuthError(
      'configuration',
      `GHL rejected the token request (${answer}): check GHL_CLIENT_ID, GHL_CLIENT_SECRET, GHL_REDIRECT_URI and GHL_USER_TYPE against your marketplace app`,
    );
  }
  throw new GhlAuthError('ghl_unexpected_response', `GHL answered the token request with ${answer}; ${NEXT_RUN_RETRIES}`);
}

/** GHL declared the refresh token dead: `answer` is what it said (scrubbed), for the mark that keeps it from being sent again. */
export class RefreshTokenDead extends GhlAuthError {
  constructor(
    readonly answer: string,
    message: string,
  ) {
    super('reauthorization_required', message);
  }
}

/** A 2xx answer with no refresh token in it: `kept` is the answer, redacted, for the record beside the token file. */
export class NoRefreshToken extends GhlAuthError {
  constructor(
    readonly kept: KeptAnswer,
    message: string,
  ) {
    super('reauthorization_required', message);
  }
}

const REAUTHORIZE =
  'Re-authorize: run `ghl-auth login --force` on a machine with a browser (the old file is kept as .bak), or set a new GHL_AUTHORIZATION_CODE and move the token file away';
export const REFRESH_TOKEN_DEAD = `GHL rejected the stored refresh token (Invalid grant: used, revoked or expired). ${REAUTHORIZE}`;
/** A retried refresh that ends in Invalid grant: the first attempt most likely rotated the token and lost the answer. */
const lostInTransit = (attempts: number) =>
  `Likely cause: this run sent it ${attempts} times, and an earlier attempt (cut off by a connection reset or a 5xx) had already rotated it at GHL, so the new pair's answer was lost`;
const NEW_CODE = 'codes are single-use and expire within minutes. Get a new one by installing the app again (or run `ghl-auth login`) and use it at once';
const CODE_DEAD = `GHL rejected the authorization code (Invalid grant): ${NEW_CODE}`;
