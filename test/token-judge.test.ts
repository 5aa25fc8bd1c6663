import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeTokens, problemsIn, warningsIn } from '../src/tokens/judge.js';
import type { StoredTokens } from '../src/tokens/stored-tokens.js';

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
    assert.deepEqual(judgeTokens(stored({ locationId: undefined }), { locationId: 'LOC2' }, NOW), []);
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
