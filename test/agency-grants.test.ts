import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCode } from '../src/errors.js';
import { API_VERSION } from '../src/location-api.js';
import { getLocation } from '../src/locations.js';
import { listInstalledLocations } from '../src/oauth/installed-locations.js';
import { mintLocationToken } from '../src/oauth/location-token.js';
import { answering, rejectsWithCode } from './unit-helpers.js';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const ghl = (status: number, message: string) => ({ status, body: { statusCode: status, message } });
const minted = { access_token: 'at-loc', token_type: 'Bearer', expires_in: 86399, scope: 'contacts.readonly', locationId: 'L1', userId: 'U', appId: 'A' };

describe('POST /oauth/locationToken: the exact request, every answer judged', () => {
  it('sends the Company token as bearer, the Version header and a form body; answers the token with its absolute expiry', async () => {
    const { http, sent } = answering({ status: 200, body: minted });
    const token = await mintLocationToken(http, 'at-company', 'C1', 'L1', () => NOW);
    assert.deepEqual(sent, [
      { method: 'POST', path: '/oauth/locationToken', headers: { Authorization: 'Bearer at-company', Version: API_VERSION }, form: { companyId: 'C1', locationId: 'L1' }, resource: 'company:C1' },
    ]);
    assert.deepEqual(token, { locationId: 'L1', companyId: 'C1', accessToken: 'at-loc', expiresAt: new Date(NOW + 86_399_000).toISOString(), scope: 'contacts.readonly' });
  });

  const cases: [string, { status: number; body: unknown }, ErrorCode, RegExp][] = [
    ['a 200 without a token', { status: 200, body: { expires_in: 5 } }, 'ghl_unexpected_response', /without a usable token/],
    ['a token for another location', { status: 200, body: { ...minted, locationId: 'L2' } }, 'ghl_unexpected_response', /without a usable token for that location/],
    ['a Location token as bearer (authClass 401)', ghl(401, 'This authClass type is not allowed to access this scope.'), 'wrong_token_type', /not a Company token/],
    ['no oauth.write', ghl(401, 'The token is not authorized for this scope.'), 'scope_missing', /oauth\.write/],
    ['an expired Company token', ghl(401, 'Invalid JWT'), 'access_token_rejected', /Company access token/],
    ['the app not installed there', ghl(400, 'The app is not installed on this location.'), 'configuration', /not installed there.*GHL_CHECK_LOCATIONS/],
    ['an inactive location', ghl(400, 'Location is not active'), 'location_inactive', /not active/],
    ['an undocumented status', ghl(418, 'teapot'), 'ghl_unexpected_response', /next run will try again/],
  ];
  for (const [name, answer, code, message] of cases) {
    it(`${name}: ${code}`, () => rejectsWithCode(mintLocationToken(answering(answer).http, 'at-company', 'C1', 'L1', () => NOW), code, message));
  }
});

describe('GET /oauth/installedLocations: every page, only installed locations', () => {
  const page = (ids: string[], count?: number, installed = true) => ({ status: 200, body: { locations: ids.map((_id) => ({ _id, name: `n-${_id}`, isInstalled: installed })), ...(count === undefined ? {} : { count }) } });
  const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => `L${from + i}`);

  it('pages by GHL total (a server that caps pages below 100 is followed) and asks only for installed locations', async () => {
    const { http, sent } = answering(page(ids(0, 20), 45), page(ids(20, 20), 45), page(ids(40, 5), 45));
    const found = await listInstalledLocations(http, 'at-company', 'C1', 'APP');
    assert.equal(found.length, 45);
    assert.deepEqual(found[0], { locationId: 'L0', name: 'n-L0' });
    assert.deepEqual(
      sent.map((request) => request.path),
      ['/oauth/installedLocations?companyId=C1&appId=APP&isInstalled=true&skip=0&limit=100', '/oauth/installedLocations?companyId=C1&appId=APP&isInstalled=true&skip=20&limit=100', '/oauth/installedLocations?companyId=C1&appId=APP&isInstalled=true&skip=40&limit=100'],
    );
    assert.equal(sent[0]?.headers?.Authorization, 'Bearer at-company');
    assert.equal(sent[0]?.resource, 'company:C1');
  });

  it('without a total, a short page is the last; a location marked not installed is left out', async () => {
    const { http, sent } = answering(page(ids(0, 100)), { status: 200, body: { locations: [{ _id: 'X', isInstalled: false }, { _id: 'Y' }] } });
    const found = await listInstalledLocations(http, 'at-company', 'C1', 'APP');
    assert.equal(sent.length, 2);
    assert.deepEqual(found.at(-1), { locationId: 'Y', name: null });
    assert.equal(found.length, 101);
  });

  it('a wrong app id is named; a Location token is the wrong type; a 200 GHL does not describe is not guessed at', async () => {
    await rejectsWithCode(listInstalledLocations(answering(ghl(400, 'App not found')).http, 't', 'C1', 'APP'), 'configuration', /GHL_APP_ID/);
    await rejectsWithCode(listInstalledLocations(answering(ghl(401, 'This authClass type is not allowed')).http, 't', 'C1', 'APP'), 'wrong_token_type', /needs a Company token/);
    await rejectsWithCode(listInstalledLocations(answering({ status: 200, body: { items: [] } }).http, 't', 'C1', 'APP'), 'ghl_unexpected_response', /does not describe/);
  });
});

describe('GET /locations/{id}: the read that proves a Location token works there', () => {
  it('answers the name; another location is refused (403); an unknown id names GHL_CHECK_LOCATIONS', async () => {
    const { http, sent } = answering({ status: 200, body: { location: { id: 'L1', name: 'Harbour' } } });
    assert.deepEqual(await getLocation(http, 'at-loc', 'L1'), { name: 'Harbour' });
    assert.deepEqual(sent[0], { method: 'GET', path: '/locations/L1', headers: { Authorization: 'Bearer at-loc', Version: API_VERSION } });
    await rejectsWithCode(getLocation(answering(ghl(403, 'The token does not have access to this location.')).http, 't', 'L1'), 'reauthorization_required', /not for L1/);
    await rejectsWithCode(getLocation(answering(ghl(422, 'bad id')).http, 't', 'L1'), 'configuration', /GHL_CHECK_LOCATIONS/);
  });
});
