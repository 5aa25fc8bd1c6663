import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { afterEach, describe, it } from 'node:test';
import { agencyLocations } from '../src/fake-ghl/setup.js';
import type { FakeGhlSetup } from '../src/fake-ghl/state.js';
import { collect, Sandbox, verdict } from './helpers.js';

const routes = (box: Sandbox) => box.fake.requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}${r.form?.grant_type ? ` ${r.form.grant_type}` : ''}`);
const cacheFile = (box: Sandbox) => `${box.tokensFile}.location-tokens.json`;
const LOC = 'LOC123demo';
const CONTACT = 'CONTACT789demo';

interface JsonReport {
  exitCode: number;
  reason: string;
  locations: { locationId: string; name: string | null; exitCode: number; reason: string; message: string }[];
}

describe('agency installs: a Company token, Location tokens minted per location (built CLI)', () => {
  let box: Sandbox;
  const start = async (setup: Partial<FakeGhlSetup> = {}) => (box = await Sandbox.create(setup));
  afterEach(async () => box.close());

  it('an agency install: the exchange gives a Company token; check mints a Location token, reads and tags with it', async () => {
    await start();
    const code = box.fake.state.issueCode({ agency: true });
    const first = await box.run(['check'], { env: { GHL_AUTHORIZATION_CODE: code } });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(routes(box), ['POST /oauth/token authorization_code', 'POST /oauth/locationToken', `GET /contacts/${CONTACT}`, `POST /contacts/${CONTACT}/tags`]);
    const saved = await box.readTokens();
    assert.equal(saved.token.userType, 'Company');
    assert.equal(saved.token.locationId, undefined);
    const mint = box.fake.requestsTo('locationToken')[0];
    assert.deepEqual(mint?.form, { companyId: 'COMP456demo', locationId: LOC });
    assert.equal(mint?.headers.authorization, `Bearer ${String(saved.token.access_token)}`);
    assert.equal(mint?.headers.version, '2021-07-28');
    // The contact was read with the minted Location token, never the Company token.
    const contactAuth = box.fake.requestsTo('contact')[0]?.headers.authorization;
    assert.notEqual(contactAuth, `Bearer ${String(saved.token.access_token)}`);
    assert.equal(box.fake.state.accessGrant(String(contactAuth).replace('Bearer ', ''))?.locationId, LOC);
    assert.equal((await stat(cacheFile(box))).mode & 0o777, 0o600);
    assert.deepEqual(box.fake.state.notifications, [{ contactId: CONTACT, tag: 'Status:Online-AuthService' }]);

    box.fake.requests.length = 0;
    const second = await box.run(['check']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(routes(box), [`GET /contacts/${CONTACT}`, `POST /contacts/${CONTACT}/tags`], 'the cached Location token is reused: 2 requests');
    assert.equal(box.fake.state.mints.get(LOC), 1);
  });

  it('exchange of an agency code reports the company and how many locations were approved, not "location (none)"', async () => {
    await start({ locations: agencyLocations(3, { notInstalled: [2] }) });
    const result = await box.run(['exchange', '--code', box.fake.state.issueCode({ agency: true })]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^company COMP456demo, user type Company$/m);
    assert.match(result.stdout, /^token type Company \(agency install\): 2 location\(s\) approved at install, GHL_LOCATION_ID LOC123demo among them$/m);
    assert.doesNotMatch(result.stdout, /\(none\)/);
  });

  it('a saved Company token: 3 requests with a fresh mint; an expired one is refreshed once, then minted from', async () => {
    await start();
    await box.writeTokens(3600, { userType: 'Company' });
    const fresh = await box.run(['check']);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.deepEqual(routes(box), ['POST /oauth/locationToken', `GET /contacts/${CONTACT}`, `POST /contacts/${CONTACT}/tags`]);

    const due = await box.writeTokens(-60, { userType: 'Company' });
    await writeFile(cacheFile(box), '{"version":1,"tokens":{}}\n', { mode: 0o600 });
    box.fake.requests.length = 0;
    const expired = await box.run(['check']);
    assert.equal(expired.code, 0, expired.stderr);
    assert.deepEqual(routes(box), ['POST /oauth/token refresh_token', 'POST /oauth/locationToken', `GET /contacts/${CONTACT}`, `POST /contacts/${CONTACT}/tags`]);
    const { clientId, clientSecret } = box.fake.state.setup;
    assert.deepEqual(
      box.fake.requestsTo('token')[0]?.form,
      { client_id: clientId, client_secret: clientSecret, user_type: 'Company', grant_type: 'refresh_token', refresh_token: String(due.refresh_token) },
      "the stored token's type, as GHL's SDK sends it, although GHL_USER_TYPE is Location (the default)",
    );
    assert.equal((await box.readTokens()).token.userType, 'Company', 'the refreshed pair stays a Company token');
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
  });

  it('GHL_CHECK_LOCATIONS=all with one inactive location: exit 4, the others healthy, one JSON object per run', async () => {
    await start({ locations: agencyLocations(3, { inactive: [2] }) });
    await box.writeTokens(3600, { userType: 'Company' });
    const result = await box.run(['check', '--json'], { env: { GHL_CHECK_LOCATIONS: 'all' } });
    assert.equal(result.code, 4, result.stderr);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.equal(report.exitCode, 4);
    assert.equal(report.reason, 'location_inactive');
    assert.deepEqual(
      report.locations.map(({ locationId, name, exitCode, reason }) => ({ locationId, name, exitCode, reason })),
      [
        { locationId: LOC, name: 'Demo Location', exitCode: 0, reason: 'healthy' },
        { locationId: 'LOC0002agency', name: 'Location 2', exitCode: 0, reason: 'healthy' },
        { locationId: 'LOC0003agency', name: 'Location 3', exitCode: 4, reason: 'location_inactive' },
      ],
    );
    assert.match(verdict(result), /^ghl-auth: 1 of 3 locations failed: LOC0003agency \(Location 3, location_inactive\): GHL says the location is not active.*\[location_inactive\]$/);
    assert.equal(box.fake.requestsTo('installedLocations').length, 1);
    assert.deepEqual(
      box.fake.requestsTo('location').map((request) => request.path),
      ['/locations/LOC0002agency'],
      'a location other than the contact’s is proven by one GET /locations/{id} (the inactive one already failed its mint)',
    );
    assert.equal(box.fake.requestsTo('tags').length, 1, 'only the health-check contact is tagged');
  });

  it('a list of locations: the contact location plus the listed ones; an uninstalled one fails alone with exit 2', async () => {
    await start({ locations: agencyLocations(4, { notInstalled: [3] }) });
    await box.writeTokens(3600, { userType: 'Company' });
    const result = await box.run(['check', '--json', '--locations', 'LOC0002agency,LOC0004agency']);
    assert.equal(result.code, 2, result.stderr);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.deepEqual(
      report.locations.map((location) => [location.locationId, location.exitCode]),
      [
        [LOC, 0],
        ['LOC0002agency', 0],
        ['LOC0004agency', 2],
      ],
    );
    assert.match(report.locations[2]?.message ?? '', /not installed there.*GHL_CHECK_LOCATIONS/);
    assert.equal(box.fake.requestsTo('installedLocations').length, 0);
  });

  it('a location given its own health-check contact (location:contact) is read and tagged there; the others are read', async () => {
    await start({ locations: agencyLocations(3) });
    box.fake.state.contacts.set('C2', { id: 'C2', locationId: 'LOC0002agency', tags: [] });
    await box.writeTokens(3600, { userType: 'Company' });
    const result = await box.run(['check', '--json', '--locations', 'LOC0002agency:C2,LOC0003agency']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(box.fake.state.notifications.map((notification) => notification.contactId).sort(), ['C2', CONTACT].sort(), 'locations run side by side: any order');
    assert.deepEqual(
      box.fake.requestsTo('location').map((request) => request.path),
      ['/locations/LOC0003agency'],
    );
    // The contact of another location is refused there: that location fails alone, naming the contact.
    box.fake.state.contacts.set('C3', { id: 'C3', locationId: LOC, tags: [] });
    const wrong = await box.run(['check', '--json', '--locations', 'LOC0002agency:C2,LOC0003agency:C3']);
    assert.equal(wrong.code, 3, wrong.stderr);
    const report = JSON.parse(wrong.stdout) as JsonReport;
    assert.deepEqual(report.locations.map((location) => location.exitCode), [0, 0, 3]);
    assert.match(report.locations[2]?.message ?? '', /contact 'C3'/);
  });

  it('a Company token and no location to check: exit 2 naming GHL_LOCATION_ID and GHL_CHECK_LOCATIONS, nothing sent', async () => {
    await start();
    await box.writeTokens(3600, { userType: 'Company' });
    const result = await box.run(['check'], { env: { GHL_LOCATION_ID: undefined } });
    assert.equal(result.code, 2, result.stderr);
    assert.match(verdict(result), /Company \(agency\) token.*GHL_LOCATION_ID.*GHL_CHECK_LOCATIONS/);
    assert.deepEqual(box.fake.requests, []);
  });

  it("GHL's authClass 401 (a Company token on the Contacts API) is named for what it is, never a missing scope", async () => {
    await start();
    const token = await box.writeTokens(3600, { userType: 'Company' });
    // A token file that calls a Company token a Location token: GHL still judges the token itself.
    const saved = await box.readTokens();
    saved.token = { ...token, userType: 'Location', locationId: LOC };
    await writeFile(box.tokensFile, JSON.stringify(saved), { mode: 0o600 });
    const result = await box.run(['check']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(verdict(result), /Company \(agency\) token was sent where GHL takes only a Location token.*\[wrong_token_type\]$/);
    assert.doesNotMatch(verdict(result), /scope_missing|login --force/);
    assert.deepEqual(box.fake.requestsTo('token'), [], 'no refresh: it cannot help');
  });

  it('GHL rejects the Company access token during a run: one refresh for all locations, then every mint succeeds', async () => {
    await start({ locations: agencyLocations(6) });
    const company = await box.writeTokens(3600, { userType: 'Company' });
    box.fake.state.revokeAccessToken(String(company.access_token));
    const result = await box.run(['check', '--json', '--locations', 'all']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      box.fake.requestsTo('token').map((request) => request.form?.grant_type),
      ['refresh_token'],
      'whichever request met the 401 first refreshed; the others waited for it',
    );
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
    assert.equal((JSON.parse(result.stdout) as JsonReport).locations.filter((location) => location.exitCode === 0).length, 6);
    // A 401 on the refreshed token too is a human's to fix: the new refresh token is not spent as well.
    await writeFile(cacheFile(box), '{"version":1,"tokens":{}}\n', { mode: 0o600 });
    box.fake.requests.length = 0;
    const invalid = { kind: 'status' as const, status: 401, body: { statusCode: 401, message: 'Invalid JWT' } };
    box.fake.fail('locationToken', invalid, invalid);
    const again = await box.run(['check']);
    assert.equal(again.code, 3, again.stderr);
    assert.match(verdict(again), /GHL rejected the Company access token \(401 "Invalid JWT".*\) even after ghl-auth refreshed it, so it is not an expired token: re-authorize \(ghl-auth login --force\) \[reauthorization_required\]$/);
    assert.equal(box.fake.requestsTo('token').length, 1);
  });

  it('a Company token rejected after the first deadline of a long run is still refreshed, within the location’s own deadline', async () => {
    await start({ locations: agencyLocations(4) });
    await box.writeTokens(3600, { userType: 'Company' });
    box.fake.delayMs.location = 500; // one location at a time, each 500 ms: the 4th mint comes over 1 s into the run
    const run = collect(box.spawn(['check', '--json', '--locations', 'all'], { env: { GHL_CHECK_TIMEOUT_SECONDS: '1', GHL_CHECK_CONCURRENCY: '1' } }));
    while (box.fake.requestsTo('locationToken').length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    box.fake.fail('locationToken', { kind: 'status', status: 401, body: { statusCode: 401, message: 'Invalid JWT' } });
    const result = await run;
    box.assertNoSecrets(result.stdout + result.stderr);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(box.fake.requestsTo('token').map((request) => request.form?.grant_type), ['refresh_token']);
  });

  it('a cached Location token GHL rejects is minted again once; the Company token is not refreshed for it', async () => {
    await start();
    await box.writeTokens(3600, { userType: 'Company' });
    assert.equal((await box.run(['check'])).code, 0);
    const cached = JSON.parse(await readFile(cacheFile(box), 'utf8')) as { tokens: Record<string, { accessToken: string }> };
    box.fake.state.revokeAccessToken(cached.tokens[LOC]?.accessToken ?? '');
    box.fake.requests.length = 0;
    const result = await box.run(['check']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(routes(box), [`GET /contacts/${CONTACT}`, 'POST /oauth/locationToken', `GET /contacts/${CONTACT}`, `POST /contacts/${CONTACT}/tags`]);
    assert.equal(box.fake.state.mints.get(LOC), 2);
    // The newly minted one rejected too: the verdict says a new token was tried, so it is no expiry.
    const invalid = { kind: 'status' as const, status: 401, body: { statusCode: 401, message: 'Invalid JWT' } };
    box.fake.fail('contact', invalid, invalid);
    const again = await box.run(['check']);
    assert.equal(again.code, 3, again.stderr);
    assert.match(verdict(again), /GHL rejected the access token \(401 "Invalid JWT".*\) even after ghl-auth minted a new Location token, so it is not an expired token: re-authorize \(ghl-auth login --force\) \[reauthorization_required\]$/);
  });

  it('`token --location` with a Company token prints a Location token for that location, minted once and cached', async () => {
    await start({ locations: agencyLocations(2) });
    await box.writeTokens(3600, { userType: 'Company' });
    // `run` would refuse the token on stdout as a leak: printing it is this command's job.
    const first = await collect(box.spawn(['token', '--location', 'LOC0002agency']));
    assert.equal(first.code, 0, first.stderr);
    const printed = first.stdout.trim();
    assert.equal(box.fake.state.accessGrant(printed)?.locationId, 'LOC0002agency');
    assert.equal(box.fake.state.accessGrant(printed)?.userType, 'Location');
    const json = await collect(box.spawn(['token', '--location', 'LOC0002agency', '--json']));
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual({ ...JSON.parse(json.stdout), expiresAt: undefined, scopes: undefined }, { accessToken: printed, locationId: 'LOC0002agency', companyId: 'COMP456demo', userType: 'Location', expiresAt: undefined, scopes: undefined });
    assert.equal(box.fake.state.mints.get('LOC0002agency'), 1, 'the second call used the cached token');
    box.assertNoSecrets(first.stderr + json.stderr);
    assert.ok(!(await readFile(box.tokensFile, 'utf8')).includes(printed), 'Location tokens live in their cache, not the token file');
  });

  it('16 concurrent runs over 12 locations with an expired Company token: its refresh token is spent once', async () => {
    // 16 processes mint 192 Location tokens at once: the company's burst limit is lifted, since no single run could keep 16 to it.
    await start({ locations: agencyLocations(12), rateLimit: { max: 1_000, intervalMs: 10_000, daily: 200_000 } });
    await box.writeTokens(-60, { userType: 'Company' });
    const runs = await Promise.all(Array.from({ length: 16 }, () => collect(box.spawn(['check', '--json'], { env: { GHL_CHECK_LOCATIONS: 'all' } }))));
    for (const run of runs) {
      box.assertNoSecrets(run.stdout + run.stderr);
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as JsonReport).locations.length, 12);
    }
    assert.equal(box.fake.requestsTo('token').length, 1, 'one refresh for all 16 runs');
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
  });

  it('spreads requests so no resource exceeds its burst (here 10 per 400 ms): 25 locations, no 429', async () => {
    await start({ locations: agencyLocations(25), rateLimit: { max: 10, intervalMs: 400, daily: 200_000 } });
    await box.writeTokens(3600, { userType: 'Company' });
    const result = await box.run(['check', '--locations', 'all', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as JsonReport).locations.length, 25);
    assert.deepEqual(box.fake.state.rateLimited, [], 'no request was refused for exceeding the burst');
    assert.equal(box.fake.requestsTo('locationToken').length, 25);
  });
});
