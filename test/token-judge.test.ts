import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeTokens, problemsIn, warningsIn, type JudgeConfig } from '../src/tokens/judge.js';
import { approvedLocationsOf, tokenTypeOf, type StoredTokens } from '../src/tokens/stored-tokens.js';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const DAY = 24 * 3600_000;

function stored(token: Record<string, unknown> = {}, obtainedAgoMs = 0, expiresInMs = 3600_000): StoredTokens {
  return {
    version: 1,
    obtainedAt: new Date(NOW - obtainedAgoMs).toISOString(),
    expiresAt: new Date(NOW + expiresInMs).toISOString(),
    token: { access_token: 'at', refresh_token: 'rt', expires_in: 86399, scope: 'contacts.readonly contacts.write', locationId: 'LOC1', ...token },
  };
}

const codes = (findings: ReturnType<typeof judgeTokens>) => findings.map((finding) => `${finding.severity}:${finding.code}`);

describe('judgeTokens: one rule for check, status and the login/exchange/import reports', () => {
  it('a fresh token for the configured location with both scopes: nothing to say', () => {
    assert.deepEqual(judgeTokens(stored(), { locationId: 'LOC1' }, NOW), []);
  });

  it('a missing check scope is a problem (scope_missing) that names the scope and the remedy', () => {
    const [finding] = judgeTokens(stored({ scope: 'contacts.readonly' }), { locationId: 'LOC1' }, NOW);
    assert.equal(finding?.severity, 'problem');
    assert.equal(finding?.code, 'scope_missing');
    assert.match(finding?.message ?? '', /lack contacts\.write.*ghl-auth login --force/);
  });

  it('no scope field: a warning that the scopes are unknown, not a problem', () => {
    const findings = judgeTokens(stored({ scope: undefined }), { locationId: 'LOC1' }, NOW);
    assert.deepEqual(codes(findings), ['warning:configuration']);
    assert.match(findings[0]?.message ?? '', /scopes unknown/);
  });

  it('another location is a problem with both ways out; no GHL_LOCATION_ID or no locationId on the token is not judged', () => {
    const [finding] = judgeTokens(stored(), { locationId: 'LOC2' }, NOW);
    assert.deepEqual([finding?.severity, finding?.code], ['problem', 'configuration']);
    assert.match(finding?.message ?? '', /location LOC1, but GHL_LOCATION_ID is LOC2: correct GHL_LOCATION_ID, or authorize .*LOC2.*login --force/);
    assert.deepEqual(judgeTokens(stored(), { locationId: undefined }, NOW), []);
    // Without userType too, it would be a Company token, judged as such (below).
    assert.deepEqual(judgeTokens(stored({ userType: 'Location', locationId: undefined }), { locationId: 'LOC2' }, NOW), []);
  });

  it('the refresh token: a warning in its last 30 days unused, a problem after a year', () => {
    assert.deepEqual(codes(judgeTokens(stored({}, 340 * DAY), { locationId: 'LOC1' }, NOW)), ['warning:configuration']);
    assert.deepEqual(codes(judgeTokens(stored({}, 300 * DAY), { locationId: 'LOC1' }, NOW)), []);
    const dead = problemsIn(judgeTokens(stored({}, 366 * DAY), { locationId: 'LOC1' }, NOW));
    assert.deepEqual(codes(dead), ['problem:reauthorization_required']);
  });

  it('an expired access token is only a warning: the next check refreshes it', () => {
    const findings = judgeTokens(stored({}, 0, -1000), { locationId: 'LOC1' }, NOW);
    assert.deepEqual(problemsIn(findings), []);
    assert.match(warningsIn(findings)[0]?.message ?? '', /access token has expired/);
  });
});

describe('tokenTypeOf and approvedLocationsOf: whatever type GHL returns', () => {
  it('Company when userType says so, or when it is absent and there is no locationId', () => {
    assert.equal(tokenTypeOf(stored({ userType: 'Company', locationId: undefined })), 'Company');
    assert.equal(tokenTypeOf(stored({ userType: undefined, locationId: undefined })), 'Company');
    assert.equal(tokenTypeOf(stored({ userType: undefined })), 'Location');
    assert.equal(tokenTypeOf(stored({ userType: 'Location', locationId: undefined })), 'Location', 'GHL said Location');
  });

  it('approvedLocations: the ids when a list, undefined when missing or not a list', () => {
    assert.deepEqual(approvedLocationsOf(stored({ approvedLocations: ['LOC1', 7, 'LOC2', null] })), ['LOC1', 'LOC2']);
    assert.equal(approvedLocationsOf(stored()), undefined);
    assert.equal(approvedLocationsOf(stored({ approvedLocations: 'LOC1,LOC2' })), undefined);
  });
});

describe('judgeTokens: a Company (agency) token is judged, not skipped', () => {
  const ALL_SCOPES = 'oauth.write oauth.readonly locations.readonly contacts.readonly contacts.write';
  const company = (token: Record<string, unknown> = {}) =>
    stored({ userType: 'Company', locationId: undefined, companyId: 'COMP1', approvedLocations: ['LOC1', 'LOC2'], scope: ALL_SCOPES, ...token });
  const scopeProblem = (token: StoredTokens, config: JudgeConfig) => problemsIn(judgeTokens(token, config, NOW)).find((finding) => finding.code === 'scope_missing')?.message;

  it('every scope it needs, GHL_LOCATION_ID among the approved locations: nothing to say', () => {
    assert.deepEqual(judgeTokens(company(), { locationId: 'LOC1' }, NOW), []);
    assert.deepEqual(judgeTokens(company(), { locationId: 'LOC1', checkLocations: 'all' }, NOW), []);
    assert.deepEqual(judgeTokens(company({ scope: 'oauth.write' }), { locationId: undefined, checkLocations: ['LOC2'] }, NOW).map((f) => f.message), [
      "the token's scopes lack locations.readonly (to read each location checked), which the check needs: add the scope(s) to the app (and GHL_SCOPES) and run `ghl-auth login --force`",
    ]);
  });

  it('the scopes follow what is checked: oauth.write always, oauth.readonly for all, locations.readonly for other locations, the contact scopes with GHL_LOCATION_ID', () => {
    assert.match(scopeProblem(company({ scope: 'contacts.readonly contacts.write' }), { locationId: 'LOC1' }) ?? '', /lack oauth\.write \(to mint a Location token per location\), which/);
    assert.equal(scopeProblem(company({ scope: 'oauth.write contacts.readonly contacts.write' }), { locationId: 'LOC1', checkLocations: ['LOC1'] }), undefined, 'its own list: no other location');
    assert.match(scopeProblem(company({ scope: 'oauth.write contacts.readonly contacts.write' }), { locationId: 'LOC1', checkLocations: ['LOC1', 'LOC2'] }) ?? '', /lack locations\.readonly /);
    assert.match(scopeProblem(company({ scope: 'oauth.write' }), { locationId: 'LOC1', checkLocations: 'all' }) ?? '', /lack oauth\.readonly \(.*=all\) and locations\.readonly \(.*\) and contacts\.readonly and contacts\.write,/);
    assert.deepEqual(codes(judgeTokens(company({ scope: undefined }), { locationId: 'LOC1' }, NOW)), ['warning:configuration'], 'no scope field: unknown, as for a Location token');
  });

  it('no location to check: a configuration problem naming both variables', () => {
    const findings = judgeTokens(company(), { locationId: undefined }, NOW);
    assert.deepEqual(codes(findings), ['problem:configuration']);
    assert.match(findings[0]?.message ?? '', /Company \(agency\) token and no location is set to check: set GHL_LOCATION_ID .* or GHL_CHECK_LOCATIONS \(`all`, or location ids/);
    assert.deepEqual(codes(judgeTokens(company(), { locationId: undefined, checkLocations: [] }, NOW)), ['problem:configuration']);
  });

  it('GHL_LOCATION_ID not among the approved locations: a warning only (a location added since may be installed); no list, nothing said', () => {
    const findings = judgeTokens(company(), { locationId: 'LOC9' }, NOW);
    assert.deepEqual(codes(findings), ['warning:configuration']);
    assert.match(findings[0]?.message ?? '', /GHL_LOCATION_ID LOC9 is not among the 2 locations approved when the app was installed/);
    assert.deepEqual(judgeTokens(company({ approvedLocations: undefined }), { locationId: 'LOC9' }, NOW), []);
  });

  it('a Location token asked to check other locations, or all: a configuration problem pointing to an agency install', () => {
    const [all] = judgeTokens(stored(), { locationId: 'LOC1', checkLocations: 'all' }, NOW);
    assert.deepEqual([all?.severity, all?.code], ['problem', 'configuration']);
    assert.match(all?.message ?? '', /GHL_CHECK_LOCATIONS is `all`, but the token is a Location token for LOC1, which reaches only its own location: install the app agency-wide .*README "Agencies"/);
    const [others] = judgeTokens(stored(), { locationId: 'LOC1', checkLocations: ['LOC1', 'LOC2', 'LOC3'] }, NOW);
    assert.match(others?.message ?? '', /GHL_CHECK_LOCATIONS names LOC2, LOC3, but the token is a Location token for LOC1/);
    assert.deepEqual(judgeTokens(stored(), { locationId: 'LOC1', checkLocations: ['LOC1'] }, NOW), [], 'its own location');
  });
});
