import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { thrownWithCode } from './unit-helpers.js';
import { parseImportedTokens } from '../src/tokens/import.js';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const base = { access_token: 'at-0123456789', refresh_token: 'rt-0123456789', scope: 'contacts.readonly contacts.write', locationId: 'L1' };
const parse = (value: unknown) => parseImportedTokens(JSON.stringify(value), 'test', NOW);

const refused = (value: unknown) => thrownWithCode('token_input_invalid', () => parse(value));

describe('parseImportedTokens: the two ways an expiry comes in', () => {
  it('expires_in: seconds from now; obtained now; every other field kept', () => {
    const stored = parse({ ...base, expires_in: 3600, planId: 'kept' });
    assert.equal(stored.obtainedAt, new Date(NOW).toISOString());
    assert.equal(stored.expiresAt, new Date(NOW + 3600_000).toISOString());
    assert.equal(stored.token.planId, 'kept');
  });

  it('expires_at alone, as ISO 8601, Unix seconds or Unix milliseconds: the same instant; the age is unknown, so obtained now', () => {
    const at = NOW + 1800_000;
    for (const expires_at of [new Date(at).toISOString(), at / 1000, at]) {
      const stored = parse({ ...base, expires_at });
      assert.equal(stored.expiresAt, new Date(at).toISOString(), String(expires_at));
      assert.equal(stored.obtainedAt, new Date(NOW).toISOString());
      assert.equal(stored.token.expires_in, 1800);
    }
  });

  it('both: the response arrived expires_in before expires_at', () => {
    const at = NOW + 600_000;
    const stored = parse({ ...base, expires_in: 86_399, expires_at: new Date(at).toISOString() });
    assert.equal(stored.expiresAt, new Date(at).toISOString());
    assert.equal(stored.obtainedAt, new Date(at - 86_399_000).toISOString());
  });

  it('an expiry more than a day ahead is refused (nothing is spent by an import), never a crash or a file the store rejects', () => {
    for (const expiry of [{ expires_in: 1e300 }, { expires_in: 3e11 }, { expires_at: NOW / 1000 + 2 * 86_400 }]) {
      assert.match(refused({ ...base, ...expiry }).message, /at most 86400 s \(a day\) ahead/);
    }
  });

  it('a whole ghl-auth token file (a .bak) is taken as it is', () => {
    const file = { version: 1, obtainedAt: '2026-05-31T12:00:00.000Z', expiresAt: '2026-06-01T11:59:59.000Z', token: { ...base, expires_in: 86_399 } };
    assert.deepEqual(parse(file), file);
  });

  it('names every missing field at once, and no expiry at all', () => {
    assert.match(refused({ access_token: 'at-0123456789' }).message, /missing refresh_token, expires_in or expires_at/);
  });
});
