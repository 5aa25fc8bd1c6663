import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Sandbox, verdict } from './helpers.js';

describe('ghl-auth tokens import', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());
  const response = () => box.fake.state.issueTokens();

  it('a token response from a file is saved whole, 0600, and check can use it', async () => {
    const token = response();
    const file = join(box.dir, 'tokens.json');
    await writeFile(file, JSON.stringify(token));
    const before = Date.now();
    const result = await box.run(['tokens', 'import', file]);
    assert.equal(result.code, 0, result.stderr);
    const saved = await box.readTokens();
    assert.deepEqual(saved.token, token, 'every field kept');
    assert.ok(Math.abs(Date.parse(saved.expiresAt) - (before + 86_399_000)) < 5_000);
    assert.equal((await stat(box.tokensFile)).mode & 0o777, 0o600);
    assert.equal(box.fake.requests.length, 0);
    assert.equal((await box.run(['check'])).code, 0);
  });

  it('expires_at instead of expires_in, from stdin', async () => {
    const token = response();
    delete token.expires_in;
    const expiresAt = new Date(Date.now() + 3 * 3600_000).toISOString();
    const result = await box.run(['tokens', 'import', '-'], { stdin: JSON.stringify({ ...token, expires_at: expiresAt }) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await box.readTokens()).expiresAt, expiresAt);
  });

  it('a response without a scope field is reported as scopes unknown, not as scopes missing', async () => {
    const token = response();
    delete token.scope;
    const result = await box.run(['tokens', 'import', '-'], { stdin: JSON.stringify(token) });
    assert.equal(result.code, 0, result.stderr);
    const output = result.stdout + result.stderr;
    assert.match(output, /scopes unknown \(the token response had no scope field\)/);
    assert.doesNotMatch(output, /scopes lack/);
  });

  it('partial input: exit 2 naming what is missing, nothing saved', async () => {
    const { access_token } = response();
    const result = await box.run(['tokens', 'import'], { stdin: JSON.stringify({ access_token, scope: 'contacts.readonly' }) });
    assert.equal(result.code, 2);
    assert.match(verdict(result), /incomplete: missing refresh_token, expires_in or expires_at.*nothing was saved.*\[token_input_invalid\]/);
    await assert.rejects(stat(box.tokensFile));
  });

  it('malformed input: exit 2', async () => {
    for (const stdin of ['{"access_token": "at-tr', '', '{"access_token": "x", "refresh_token": "y", "expires_in": "soon"}']) {
      const result = await box.run(['tokens', 'import', '-'], { stdin });
      assert.equal(result.code, 2, stdin);
      assert.match(verdict(result), /not valid JSON|is empty|invalid expires_in/);
    }
    await assert.rejects(stat(box.tokensFile));
  });

  it('an expiry beyond GHL\'s day or no real time: exit 2 naming it, nothing saved, never a crash', async () => {
    const token = response();
    delete token.expires_in;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ expires_in: 1e300 }, /invalid expires_in \(at most 86400 s/],
      [{ expires_in: 3e11 }, /invalid expires_in \(at most 86400 s/],
      [{ expires_in: -5 }, /invalid expires_in/],
      [{ expires_at: 1e300 }, /invalid expires_at \(at most 86400 s/],
      [{ expires_at: Date.now() / 1000 + 3e11 }, /invalid expires_at/],
      [{ expires_at: '9999-12-31T00:00:00Z' }, /invalid expires_at/],
      [{ expires_at: -1 }, /invalid expires_at/],
    ];
    for (const [expiry, expected] of cases) {
      const result = await box.run(['tokens', 'import', '-'], { stdin: JSON.stringify({ ...token, ...expiry }) });
      assert.equal(result.code, 2, `${JSON.stringify(expiry)}: ${result.stderr}`);
      assert.match(verdict(result), expected);
      assert.match(verdict(result), /nothing was saved.*\[token_input_invalid\]$/);
    }
    await assert.rejects(stat(box.tokensFile));
  });

  it('replaces a token file only with --force, keeping a .bak that imports back', async () => {
    await box.writeTokens();
    const before = await readFile(box.tokensFile, 'utf8');
    const stdin = JSON.stringify(response());
    assert.equal((await box.run(['tokens', 'import'], { stdin })).code, 2);
    assert.equal(await readFile(box.tokensFile, 'utf8'), before);
    assert.equal((await box.run(['tokens', 'import', '--force'], { stdin })).code, 0);
    assert.equal(await readFile(`${box.tokensFile}.bak`, 'utf8'), before);

    const undo = await box.run(['tokens', 'import', '--force', `${box.tokensFile}.bak`]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.deepEqual(await box.readTokens(), JSON.parse(before), 'a ghl-auth token file is imported as it is');
  });

  it('a Company token (agency install) is saved and shown as one: company, approved locations, whether GHL_LOCATION_ID is among them', async () => {
    // As an agency install's code exchange answers (the stand-in issues none yet): no locationId.
    const company: Record<string, unknown> = { ...response(), scope: 'oauth.write oauth.readonly locations.readonly contacts.readonly contacts.write', userType: 'Company', isBulkInstallation: true, approvedLocations: ['LOC2', 'LOC3'] };
    delete company.locationId;
    const result = await box.run(['tokens', 'import', '-'], { stdin: JSON.stringify(company) });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((await box.readTokens()).token, company, 'every field kept');
    assert.match(result.stdout, /^company COMP456demo, user type Company$/m);
    assert.match(result.stdout, /^token type Company \(agency install\): 2 location\(s\) approved at install, GHL_LOCATION_ID LOC123demo NOT among them$/m);
    assert.match(result.stderr, /^warning: GHL_LOCATION_ID LOC123demo is not among the 2 locations approved when the app was installed/m);

    const noLocation = await box.run(['tokens', 'import', '--force', '-'], { stdin: JSON.stringify(company), env: { GHL_LOCATION_ID: undefined } });
    assert.equal(noLocation.code, 0, 'saved all the same: the report warns');
    assert.match(noLocation.stdout, /GHL_LOCATION_ID not set/);
    assert.match(noLocation.stderr, /^warning: the token is a Company \(agency\) token and no location is set to check: set GHL_LOCATION_ID .* or GHL_CHECK_LOCATIONS/m);
  });

  it('a Location token: its type says it reaches its own location only', async () => {
    const result = await box.run(['tokens', 'import', '-'], { stdin: JSON.stringify(response()) });
    assert.match(result.stdout, /^token type Location \(reaches LOC123demo only\)$/m);
  });
});
