import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GhlAuthError, type ErrorCode } from '../src/errors.js';
import { messageOf } from '../src/ghl-answer.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../src/http-client.js';
import { exchangeCode } from '../src/oauth/exchange-code.js';
import { refreshToken } from '../src/oauth/refresh-token.js';
import { NoRefreshToken, RefreshTokenDead, validateTokenResponse } from '../src/oauth/token-grant.js';
import { SecretRegistry } from '../src/secrets.js';
import { alter, UNUSABLE_ANSWERS } from './odd-token-answers.js';

const credentials = { clientId: 'cid', clientSecret: 'csecret', userType: 'Location' as const };
const token = { access_token: 'at', refresh_token: 'rt', expires_in: 86399, token_type: 'Bearer', locationId: 'L1', planId: 'kept' };

/** An HttpClient that records what it is asked to send and answers one canned response. */
function recording(answer: Partial<HttpResponse>): { http: HttpClient; sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  const http: HttpClient = {
    attemptsByOutcome: { success: 0, client_error: 0, rate_limited: 0, server_error: 0, network_error: 0 },
    send: async (request) => {
      sent.push(request);
      // As the client answers: GHL's message on one line beside the body.
      return { status: 200, headers: {}, body: undefined, attempts: 1, message: messageOf(answer.body, new SecretRegistry()), ...answer };
    },
  };
  return { http, sent };
}

describe('OAuth grants', () => {
  it('exchangeCode sends exactly the form GHL documents', async () => {
    const { http, sent } = recording({ body: token });
    const result = await exchangeCode(http, credentials, 'the-code', 'https://app.example/cb', () => 1_000);
    assert.deepEqual(sent, [
      {
        method: 'POST',
        path: '/oauth/token',
        singleUse: true,
        form: { client_id: 'cid', client_secret: 'csecret', user_type: 'Location', grant_type: 'authorization_code', code: 'the-code', redirect_uri: 'https://app.example/cb' },
      },
    ]);
    assert.equal(result.receivedAt, 1_000);
    assert.equal(result.token.planId, 'kept');
  });

  it("refreshToken sends exactly the refresh form, with the stored token's user type", async () => {
    const { http, sent } = recording({ body: token });
    await refreshToken(http, credentials, { refresh_token: 'old-rt', userType: 'Company' }, () => 0);
    assert.deepEqual(sent[0]?.form, { client_id: 'cid', client_secret: 'csecret', user_type: 'Company', grant_type: 'refresh_token', refresh_token: 'old-rt' });
    await refreshToken(http, { ...credentials, userType: 'Company' }, { refresh_token: 'rt-2', userType: 'Location' }, () => 0);
    assert.equal(sent[1]?.form?.user_type, 'Location', 'the setting does not turn a Location token into a Company one');
    await refreshToken(http, { ...credentials, userType: 'Company' }, { refresh_token: 'rt-3' }, () => 0);
    assert.equal(sent[2]?.form?.user_type, 'Company', 'a token saved without a type: the setting');
  });

  const cases: Array<[string, number, unknown, ErrorCode, RegExp]> = [
    ['dead refresh token', 400, { statusCode: 400, message: 'Invalid grant: refresh token is invalid' }, 'reauthorization_required', /ghl-auth login --force/],
    ['suspended location', 400, { statusCode: 400, message: 'Location is not active' }, 'location_inactive', /tokens were kept/],
    ['wrong client secret', 401, { statusCode: 401, message: 'Invalid client: client credentials are invalid' }, 'configuration', /GHL_CLIENT_SECRET/],
    ['missing parameter', 400, { statusCode: 400, message: 'Missing parameter: clientId' }, 'configuration', /GHL_CLIENT_ID/],
    ['invalid grantType', 400, { statusCode: 400, message: 'Invalid parameter: grantType' }, 'configuration', /GHL_CLIENT_ID/],
    ['invalid redirect_uri', 400, { statusCode: 400, message: 'Invalid parameter: redirect_uri does not match' }, 'configuration', /GHL_REDIRECT_URI/],
    ['invalid refreshToken', 400, { statusCode: 400, message: 'Invalid parameter: refreshToken' }, 'reauthorization_required', /stored refresh token \(GHL answered 400 "Invalid parameter: refreshToken"\)\. Re-authorize.*login --force/],
    ['invalid refresh_token', 400, { statusCode: 400, message: 'Invalid parameter: refresh_token' }, 'reauthorization_required', /login --force/],
    ['200 without a refresh token', 200, { access_token: 'a', expires_in: 10 }, 'reauthorization_required', /200 but no refresh token \(a JSON object without refresh_token\).*never sent again/],
    ['200 that is not JSON', 200, undefined, 'reauthorization_required', /200 but no refresh token \(a body that is not JSON\)/],
    ['unknown 404', 404, { statusCode: 404, message: 'Cannot POST' }, 'ghl_unexpected_response', /404/],
  ];
  for (const [name, status, body, code, message] of cases) {
    it(`classifies ${name} as ${code}`, () => {
      assert.throws(
        () => validateTokenResponse('refresh_token', { status, headers: {}, body, attempts: 1, message: messageOf(body, new SecretRegistry()) }, 0),
        (error: unknown) => error instanceof GhlAuthError && error.code === code && message.test(error.message),
      );
    });
  }

  describe('a 2xx answer with a refresh token: returned to be saved, with what was wrong', () => {
    const validate = (body: unknown, status = 200) => validateTokenResponse('refresh_token', { status, headers: {}, body, attempts: 1 }, 5_000);
    for (const [name, change] of UNUSABLE_ANSWERS) {
      it(`${name}: due at once, problem names the field`, () => {
        const result = validate(alter(token, change));
        assert.equal(result.token.refresh_token, 'rt');
        assert.equal(result.token.expires_in, 0);
        assert.equal(result.receivedAt, 5_000);
        assert.equal(result.token.planId, 'kept');
        assert.equal(result.problem?.code, 'ghl_unexpected_response');
        assert.match(String(result.problem?.message), new RegExp(`invalid .*${Object.keys(change)[0]}.*new refresh token was saved`));
        assert.equal(typeof result.token.access_token, 'string');
      });
    }

    for (const huge of [86_401, 3e11, 1e300]) {
      it(`expires_in ${huge}: capped at a day, no problem`, () => {
        const result = validate({ ...token, expires_in: huge });
        assert.equal(result.token.expires_in, 86_400);
        assert.equal(result.problem, undefined);
      });
    }

    it('null optional fields count as absent; a mistyped one is dropped and named', () => {
      const quiet = validate({ ...token, locationId: null, companyId: null }, 201);
      assert.equal(quiet.problem, undefined);
      assert.ok(!('locationId' in quiet.token));
      const odd = validate({ ...token, scope: ['contacts.readonly'] });
      assert.ok(!('scope' in odd.token));
      assert.equal(odd.token.expires_in, 86_399);
      assert.match(String(odd.problem?.message), /invalid scope; the new tokens were saved without that field/);
    });

    for (const [name, body, wrapper] of [
      ['a pair under data', { data: token }, /under `data`/],
      ['a pair as the one item of an array', [token], /in a JSON array/],
    ] as const) {
      it(`${name}: saved, the wrapper named as odd`, () => {
        const result = validate(body);
        assert.equal(result.token.refresh_token, 'rt');
        assert.equal(result.token.expires_in, 86_399);
        assert.match(String(result.problem?.message), wrapper);
      });
    }

    const long = { ...token, access_token: 'at-0123456789', refresh_token: 'rt-0123456789' };
    for (const [name, body] of [
      ['an empty refresh_token', { ...long, refresh_token: '' }],
      ['a pair nested two wrappers deep', { data: { token: long } }],
      ['an array of two pairs', [long, long]],
    ] as const) {
      it(`${name}: nothing to save; the answer is kept, redacted, and the refresh token never sent again (exit 3)`, () =>
        assert.throws(
          () => validate(body),
          (error: unknown) => error instanceof NoRefreshToken && error.code === 'reauthorization_required' && !/[ar]t-0123456789/.test(JSON.stringify(error.kept)),
        ));
    }
  });

  it('only a dead refresh token (Invalid grant, Invalid parameter: refreshToken) is a RefreshTokenDead, to be marked spent', () => {
    const judged = (message: string) => {
      try {
        return validateTokenResponse('refresh_token', { status: 400, headers: {}, body: { message }, attempts: 1, message }, 0);
      } catch (error) {
        return error;
      }
    };
    for (const message of ['Invalid grant: refresh token is invalid', 'Invalid parameter: refreshToken']) assert.ok(judged(message) instanceof RefreshTokenDead, message);
    for (const message of ['Location is not active', 'Invalid parameter: grantType', 'Internal server error']) assert.ok(!(judged(message) instanceof RefreshTokenDead), message);
  });

  it('"Invalid parameter: code" is a dead code, not configuration', () => {
    assert.throws(
      () => validateTokenResponse('authorization_code', { status: 400, headers: {}, body: { message: 'Invalid parameter: code' }, attempts: 1 }, 0),
      (error: unknown) => error instanceof GhlAuthError && error.code === 'reauthorization_required' && /authorization code .*single-use/.test(error.message),
    );
  });

  it('a rejected code says codes are single-use', () => {
    assert.throws(
      () => validateTokenResponse('authorization_code', { status: 400, headers: {}, body: { message: 'Invalid grant: code is invalid' }, attempts: 1 }, 0),
      /single-use/,
    );
  });
});
