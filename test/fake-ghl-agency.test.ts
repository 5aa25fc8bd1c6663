import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { agencyLocations, FakeGhl } from '../src/fake-ghl/server.js';
import type { FakeGhlSetup } from '../src/fake-ghl/state.js';

// The stand-in GHL itself, over real HTTP: what the agency tests and the demo rely on it to refuse.

const VERSION = { Version: '2021-07-28' };
const AUTH_CLASS = 'This authClass type is not allowed to access this scope. Please reach out to the Platform team to get it added.';
const OTHER_LOCATION = 'The token does not have access to this location.';

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

let fake: FakeGhl;
const running: FakeGhl[] = [];
afterEach(() => Promise.all(running.splice(0).map((started) => started.close())));

/** An agency of five locations: index 3 inactive, index 4 without the app. */
async function start(setup: Partial<FakeGhlSetup> = {}): Promise<void> {
  fake = await FakeGhl.start({ locations: agencyLocations(5, { inactive: [3], notInstalled: [4] }), ...setup });
  running.push(fake);
}
const ids = () => [...fake.state.locations.keys()];

async function call(method: string, path: string, headers: Record<string, string> = {}, form?: Record<string, string>): Promise<Reply> {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: form ? { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' } : headers,
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

const bearer = (token: unknown) => ({ Authorization: `Bearer ${String(token)}`, ...VERSION });
const credentials = () => ({ client_id: fake.state.setup.clientId, client_secret: fake.state.setup.clientSecret });
const exchange = (code: string, userType: string) =>
  call('POST', '/oauth/token', {}, { ...credentials(), grant_type: 'authorization_code', code, redirect_uri: fake.state.setup.redirectUri, user_type: userType });
const refresh = (token: unknown, userType = 'Location') => call('POST', '/oauth/token', {}, { ...credentials(), grant_type: 'refresh_token', refresh_token: String(token), user_type: userType });
/** A Location token with locations.readonly, which the default Location scope lacks. */
const locationToken = () => fake.state.issueTokens({ scope: fake.state.setup.mintedScope }).access_token;
const companyToken = () => fake.state.issueTokens({ userType: 'Company' }).access_token;
const mint = (token: unknown, locationId: string, companyId = fake.state.setup.companyId) => call('POST', '/oauth/locationToken', bearer(token), { companyId, locationId });
const installed = (token: unknown, query: string) => call('GET', `/oauth/installedLocations?${query}`, bearer(token));
const contactPath = () => `/contacts/${fake.state.setup.contactId}`;

describe('stand-in GHL: Company tokens from the code exchange', () => {
  it('user_type=Company: a Company token without locationId, with the installed locations approved', async () => {
    await start();
    const { status, body } = await exchange(fake.state.issueCode(), 'Company');
    assert.equal(status, 200);
    assert.equal(body.userType, 'Company');
    assert.equal(body.companyId, 'COMP456demo');
    assert.ok(!('locationId' in body));
    assert.deepEqual(body.approvedLocations, ids().slice(0, 4));
    assert.equal(body.isBulkInstallation, true);
    assert.equal(body.approveAllLocations, false);
    assert.equal(body.installToFutureLocations, false);
    assert.equal(body.scope, 'contacts.readonly contacts.write locations.readonly oauth.readonly oauth.write');
    for (const field of ['userId', 'planId', 'refresh_token', 'access_token']) assert.ok(body[field], field);
  });

  it('an agency install answers a Company token even when user_type=Location was sent; a plain code a Location token', async () => {
    await start();
    assert.equal((await exchange(fake.state.issueCode({ agency: true }), 'Location')).body.userType, 'Company');
    const location = (await exchange(fake.state.issueCode(), 'Location')).body;
    assert.equal(location.userType, 'Location');
    assert.equal(location.locationId, 'LOC123demo');
    assert.equal(location.isBulkInstallation, false);
  });

  it('a refresh keeps the Company type and rotates: the old refresh token is refused the second time', async () => {
    await start();
    const first = fake.state.issueTokens({ userType: 'Company' });
    const renewed = await refresh(first.refresh_token, 'Location');
    assert.equal(renewed.status, 200);
    assert.equal(renewed.body.userType, 'Company');
    assert.ok(!('locationId' in renewed.body));
    assert.notEqual(renewed.body.refresh_token, first.refresh_token);
    assert.deepEqual((await refresh(first.refresh_token)).body.message, 'Invalid grant: refresh token is invalid');
    assert.equal(fake.state.refreshTokensSpentTwice, 1);
    assert.equal((await refresh(renewed.body.refresh_token)).body.userType, 'Company');
  });
});

describe('stand-in GHL: which token each API takes', () => {
  it('a Company token on the Contacts API: 401 authClass, before the scope is looked at', async () => {
    await start();
    const token = fake.state.issueTokens({ userType: 'Company', scope: 'oauth.write' }).access_token;
    for (const [method, path] of [['GET', contactPath()], ['POST', `${contactPath()}/tags`], ['DELETE', `${contactPath()}/tags`]] as const) {
      const { status, body } = await call(method, path, bearer(token));
      assert.equal(status, 401, `${method} ${path}`);
      assert.deepEqual([body.message, body.error], [AUTH_CLASS, 'Unauthorized']);
    }
  });

  it('a Location token on locationToken and installedLocations: 401 authClass', async () => {
    await start();
    const token = fake.state.issueTokens().access_token;
    assert.equal((await mint(token, 'LOC123demo')).body.message, AUTH_CLASS);
    assert.equal((await installed(token, 'companyId=COMP456demo&appId=demo')).body.message, AUTH_CLASS);
  });

  it("GET /locations/:id: a Location token for its own location only, a Company token for any of its company's (Agency-Access)", async () => {
    await start();
    const own = await call('GET', '/locations/LOC123demo', bearer(locationToken()));
    assert.equal(own.status, 200);
    assert.deepEqual(own.body.location, { id: 'LOC123demo', companyId: 'COMP456demo', name: 'Demo Location', address: '1 Demo Street, Springfield', timezone: 'US/Central' });
    const other = await call('GET', `/locations/${ids()[1]}`, bearer(locationToken()));
    assert.deepEqual([other.status, other.body.message], [403, OTHER_LOCATION]);
    assert.equal((await call('GET', `/locations/${ids()[1]}`, bearer(companyToken()))).status, 200);
    assert.equal((await call('GET', '/locations/ELSEWHERE', bearer(companyToken()))).status, 403);
    assert.equal((await call('GET', '/locations/LOC123demo', { Authorization: `Bearer ${String(companyToken())}` })).body.message, 'Version header was not found');
    const unscoped = await call('GET', '/locations/LOC123demo', bearer(fake.state.issueTokens().access_token));
    assert.deepEqual([unscoped.status, unscoped.body.message], [401, 'The token is not authorized for this scope.']);
  });
});

describe('stand-in GHL: POST /oauth/locationToken', () => {
  it("mints a Location token without a refresh token that works on that location's APIs only", async () => {
    await start();
    const company = companyToken();
    const { status, body } = await mint(company, 'LOC123demo');
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'appId', 'expires_in', 'locationId', 'planId', 'scope', 'token_type', 'userId', 'versionId']);
    assert.deepEqual([body.locationId, body.appId, body.expires_in, body.token_type], ['LOC123demo', 'demo', 86_399, 'Bearer']);
    assert.ok(fake.state.issuedSecrets.includes(String(body.access_token)));
    assert.equal((await call('GET', contactPath(), bearer(body.access_token))).status, 200);
    assert.equal((await call('POST', `${contactPath()}/tags`, { ...bearer(body.access_token), 'Content-Type': 'application/json' })).status, 422);
    assert.equal((await call('GET', '/locations/LOC123demo', bearer(body.access_token))).status, 200);

    const elsewhere = (await mint(company, ids()[1] ?? '')).body.access_token;
    assert.deepEqual((await call('GET', contactPath(), bearer(elsewhere))).body.message, OTHER_LOCATION);
    assert.equal((await call('GET', '/locations/LOC123demo', bearer(elsewhere))).status, 403);
    assert.deepEqual(Object.fromEntries(fake.state.mints), { LOC123demo: 1, [ids()[1] ?? '']: 1 });
  });

  it('refuses a missing Version, missing or JSON fields, another company, a location without the app, an inactive one', async () => {
    await start();
    const company = companyToken();
    const refusal = async (reply: Promise<Reply>) => {
      const { status, body } = await reply;
      return [status, body.message];
    };
    assert.deepEqual(await refusal(call('POST', '/oauth/locationToken', { Authorization: `Bearer ${String(company)}` }, { companyId: 'COMP456demo', locationId: 'LOC123demo' })), [400, 'Version header was not found']);
    assert.deepEqual(await refusal(call('POST', '/oauth/locationToken', bearer(company), { companyId: 'COMP456demo' })), [422, ['locationId should not be empty']]);
    const json = await fetch(`${fake.url}/oauth/locationToken`, { method: 'POST', headers: { ...bearer(company), 'Content-Type': 'application/json' }, body: JSON.stringify({ companyId: 'COMP456demo', locationId: 'LOC123demo' }) });
    assert.equal(json.status, 422);
    assert.deepEqual(await refusal(mint(company, 'LOC123demo', 'OTHERcompany')), [400, 'The token does not have access to this company.']);
    assert.deepEqual(await refusal(mint(company, ids()[4] ?? '')), [400, 'The app is not installed on this location.']);
    assert.deepEqual(await refusal(mint(company, ids()[3] ?? '')), [400, 'Location is not active']);
    assert.deepEqual(await refusal(mint(fake.state.issueTokens({ userType: 'Company', scope: 'oauth.readonly' }).access_token, 'LOC123demo')), [401, 'The token is not authorized for this scope.']);
    assert.equal(fake.state.mints.size, 0);
  });
});

describe('stand-in GHL: inactive locations', () => {
  it('"Location is not active" on its APIs and its refresh, which does not spend the refresh token', async () => {
    await start();
    const location = fake.state.issueTokens();
    const company = companyToken();
    const minted = (await mint(company, 'LOC123demo')).body.access_token;
    fake.state.locationActive = false;
    assert.equal(fake.state.locations.get('LOC123demo')?.active, false);
    for (const token of [location.access_token, minted]) assert.deepEqual((await call('GET', contactPath(), bearer(token))).body.message, 'Location is not active');
    assert.deepEqual((await call('GET', '/locations/LOC123demo', bearer(company))).status, 400);
    assert.deepEqual((await refresh(location.refresh_token)).body.message, 'Location is not active');
    assert.equal(fake.state.refreshTokens.get(String(location.refresh_token))?.uses, 0);
    fake.state.locationActive = true;
    assert.equal((await refresh(location.refresh_token)).status, 200);
  });
});

describe('stand-in GHL: GET /oauth/installedLocations', () => {
  it('requires companyId and appId (422 listing them), the token company, and the app id of the client id', async () => {
    await start({ clientId: 'acme123-suffix' });
    const company = companyToken();
    const missing = await installed(company, '');
    assert.deepEqual([missing.status, missing.body.message, missing.body.error], [422, ['companyId should not be empty', 'appId should not be empty'], 'Unprocessable Entity']);
    assert.equal((await installed(company, 'companyId=COMP456demo&appId=demo')).body.message, 'App not found');
    assert.equal((await installed(company, 'companyId=OTHER&appId=acme123')).status, 400);
    assert.equal((await installed(company, 'companyId=COMP456demo&appId=acme123&limit=ten')).status, 422);
    assert.equal((await installed(company, 'companyId=COMP456demo&appId=acme123')).status, 200);
  });

  it('pages with skip and limit (20 by default, at most 100), counts every match, filters installed, by name and by id', async () => {
    await start({ locations: agencyLocations(250, { notInstalled: [1, 2] }), installToFutureLocations: true });
    const company = companyToken();
    const base = 'companyId=COMP456demo&appId=demo';
    const first = await installed(company, base);
    assert.deepEqual([(first.body.locations as unknown[]).length, first.body.count, first.body.installToFutureLocations], [20, 250, true]);
    assert.deepEqual((first.body.locations as unknown[])[0], { _id: 'LOC123demo', name: 'Demo Location', address: '1 Demo Street, Springfield', isInstalled: true, installedAt: '2026-01-15T10:30:00.000Z' });
    assert.deepEqual((first.body.locations as Record<string, unknown>[])[1], { _id: 'LOC0002agency', name: 'Location 2', address: '2 Agency Road, Springfield', isInstalled: false });

    const seen: string[] = [];
    for (let skip = 0; ; skip += 100) {
      const page = (await installed(company, `${base}&isInstalled=true&skip=${skip}&limit=500`)).body;
      assert.equal(page.count, 248);
      const locations = page.locations as { _id: string; isInstalled: boolean }[];
      assert.ok(locations.length <= 100 && locations.every((location) => location.isInstalled));
      seen.push(...locations.map((location) => location._id));
      if (locations.length < 100) break;
    }
    assert.equal(new Set(seen).size, 248);
    assert.deepEqual(((await installed(company, `${base}&query=location%2025`)).body.locations as { name: string }[]).map((location) => location.name), ['Location 25', 'Location 250']);
    assert.deepEqual(((await installed(company, `${base}&locationId=LOC0007agency`)).body.locations as { _id: string }[]).map((location) => location._id), ['LOC0007agency']);
  });
});

describe('stand-in GHL: rate limits per location and per company', () => {
  it('headers count down per resource; past the burst a 429 that is counted, and the window slides on', async () => {
    await start({ rateLimit: { max: 3, intervalMs: 300, daily: 1000 } });
    const location = locationToken();
    const company = companyToken();
    const remaining = async (token: unknown, path: string) => {
      const { status, headers } = await call('GET', path, bearer(token));
      return [status, headers.get('x-ratelimit-remaining'), headers.get('x-ratelimit-daily-remaining')];
    };
    assert.deepEqual(await remaining(location, contactPath()), [200, '2', '999']);
    assert.deepEqual(await remaining(location, '/locations/nowhere'), [403, '1', '998']);
    assert.deepEqual(await remaining(company, '/locations/LOC123demo'), [200, '2', '999']);
    assert.deepEqual(await remaining(location, contactPath()), [200, '0', '997']);
    const refused = await call('GET', contactPath(), bearer(location));
    assert.deepEqual([refused.status, refused.body.statusCode, refused.body.message], [429, 429, 'Too Many Requests']);
    assert.deepEqual([refused.headers.get('x-ratelimit-max'), refused.headers.get('x-ratelimit-remaining'), refused.headers.get('x-ratelimit-interval-milliseconds'), refused.headers.get('x-ratelimit-limit-daily')], ['3', '0', '300', '1000']);
    assert.equal(refused.headers.get('retry-after'), null);
    assert.deepEqual(fake.state.rateLimited, ['LOC123demo']);

    const token = await refresh(fake.state.issueTokens().refresh_token);
    assert.deepEqual([token.status, token.headers.get('x-ratelimit-remaining')], [200, '2']);
    await new Promise((resolve) => setTimeout(resolve, 320));
    assert.deepEqual(await remaining(location, contactPath()), [200, '2', '996']);
  });

  it('the daily limit: a 429 with X-RateLimit-Daily-Remaining 0', async () => {
    await start({ rateLimit: { max: 100, intervalMs: 10_000, daily: 2 } });
    const company = companyToken();
    for (let i = 0; i < 2; i++) assert.equal((await call('GET', '/locations/LOC123demo', bearer(company))).status, 200);
    const spent = await call('GET', '/locations/LOC123demo', bearer(company));
    assert.deepEqual([spent.status, spent.headers.get('x-ratelimit-daily-remaining')], [429, '0']);
    assert.deepEqual(fake.state.rateLimited, ['company:COMP456demo']);
  });
});

describe('stand-in GHL: setup', () => {
  it('agencyLocations: the default location first, unique ids, the picked ones inactive or without the app', () => {
    const locations = agencyLocations(3, { inactive: [1], notInstalled: [2] });
    assert.deepEqual(
      locations.map(({ id, active, installed: on }) => [id, active, on]),
      [
        ['LOC123demo', true, true],
        ['LOC0002agency', false, true],
        ['LOC0003agency', true, false],
      ],
    );
  });

  it('a location id outside the locations is a mistake in the test, said at start', async () => {
    await assert.rejects(FakeGhl.start({ locationId: 'NOWHERE', locations: agencyLocations(2) }), /locationId NOWHERE is not among the 2 locations/);
  });
});
