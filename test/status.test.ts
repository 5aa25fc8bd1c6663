import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { writeLastRun, type LocationRecord } from '../src/monitoring/last-run.js';
import { chmodAdvice, Sandbox, verdict } from './helpers.js';

const DAY_MS = 24 * 3600_000;

describe('ghl-auth status judges tokens by the rules check uses', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  /** Saves tokens as GHL issued them, less the given fields of the token response. */
  const writeTokensWithout = async (...fields: string[]) => {
    await box.writeTokens();
    const saved = await box.readTokens();
    const token = Object.fromEntries(Object.entries(saved.token).filter(([field]) => !fields.includes(field)));
    await writeFile(box.tokensFile, JSON.stringify({ ...saved, token }), { mode: 0o600 });
  };

  it('a token response without a scope field: a warning that the scopes are unknown, exit 0, as check passes', async () => {
    await writeTokensWithout('scope');
    const status = await box.run(['status']);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /warning: scopes unknown \(the token response had no scope field\)/);
    assert.doesNotMatch(status.stdout, /MISSING/);
    assert.match(status.stdout, /verdict: usable/);
    assert.equal(JSON.parse((await box.run(['status', '--json'])).stdout).checkScopesPresent, null);
    assert.equal((await box.run(['check'])).code, 0, 'check accepts the same file');
  });

  it('a token without a locationId (Company token) with GHL_LOCATION_ID set: exit 0, as check passes', async () => {
    await writeTokensWithout('locationId');
    const status = await box.run(['status']);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /verdict: usable/);
    assert.equal((await box.run(['check'])).code, 0, 'check accepts the same file');
  });

  it('a token for another location: status and check fail alike (exit 2), both naming the two ways out', async () => {
    await box.writeTokens(3600, { locationId: 'OTHERloc' });
    const status = await box.run(['status']);
    const check = await box.run(['check']);
    for (const result of [status, check]) {
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /location OTHERloc, but GHL_LOCATION_ID is LOC123demo: correct GHL_LOCATION_ID, or authorize the app for LOC123demo with `ghl-auth login --force`/);
    }
    assert.equal(box.fake.requests.length, 0, 'check refuses before any request');
  });

  it('a check that failed before the first authorization is not held against the tokens saved after it', async () => {
    const early = await box.run(['check']);
    assert.equal(early.code, 2, 'no token file yet');
    await new Promise((resolve) => setTimeout(resolve, 5)); // the tokens are obtained after that run ended
    const imported = await box.run(['tokens', 'import', '-'], { stdin: JSON.stringify(box.fake.state.issueTokens()) });
    assert.equal(imported.code, 0, imported.stderr);
    const status = await box.run(['status']);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.doesNotMatch(status.stdout, /last check failed/);
    assert.match(status.stdout, /last check +\S+: failed \(exit 2\)/, 'the run is still shown as what it was');
  });

  it('with an invalid configuration, --json still prints one JSON object on stdout', async () => {
    await box.writeTokens();
    const result = await box.run(['status', '--json'], { env: { GHL_REFRESH_MARGIN_SECONDS: 'soon' } });
    assert.equal(result.code, 2);
    const status = JSON.parse(result.stdout);
    assert.equal(status.usable, false);
    assert.equal(status.problems[0].code, 'configuration');
    assert.match(status.problems[0].message, /GHL_REFRESH_MARGIN_SECONDS/);
  });

  it('with no .env and nothing in the environment, the error says the .env file is missing', async () => {
    const result = await box.run(['check'], { env: { GHL_CLIENT_ID: undefined, GHL_CLIENT_SECRET: undefined } });
    assert.equal(result.code, 2);
    assert.match(verdict(result), /GHL_CLIENT_ID is required.*No \.env file was found in .*: copy \.env\.example to \.env there, or name one with --env-file/);
  });

  it('status and tokens import read only local files: they need no client id or secret', async () => {
    const noCredentials = { env: { GHL_CLIENT_ID: undefined, GHL_CLIENT_SECRET: undefined } };
    const imported = await box.run(['tokens', 'import', '-'], { ...noCredentials, stdin: JSON.stringify(box.fake.state.issueTokens()) });
    assert.equal(imported.code, 0, imported.stderr);
    const status = await box.run(['status'], noCredentials);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /verdict: usable/);
  });

  it('--verify asks GHL about the client id and secret with a token that cannot exist: nothing of ours is sent or spent', async () => {
    const token = await box.writeTokens();
    const ok = await box.run(['status', '--verify']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /credentials +GHL accepts the client id and secret/);
    const [probe, ...more] = box.fake.requestsTo('token');
    assert.deepEqual(more, [], 'one request');
    assert.equal(probe?.form?.grant_type, 'refresh_token');
    assert.notEqual(probe?.form?.refresh_token, token.refresh_token, 'the stored refresh token is never sent');
    assert.equal(box.fake.state.refreshTokens.get(String(token.refresh_token))?.uses, 0);

    const wrong = 'wrong-secret-0123456789abcdef';
    const rejected = await box.run(['status', '--verify', '--json'], { env: { GHL_CLIENT_SECRET: wrong } });
    assert.equal(rejected.code, 2);
    assert.equal(JSON.parse(rejected.stdout).clientCredentials, 'rejected');
    assert.match(verdict(rejected), /GHL rejected GHL_CLIENT_ID or GHL_CLIENT_SECRET \(it answered 401.*copy both again/);
    assert.ok(!(rejected.stdout + rejected.stderr).includes(wrong), 'the secret is never echoed');
    assert.equal((await box.run(['status'], { env: { GHL_CLIENT_SECRET: wrong } })).code, 0, 'without --verify: no network, nothing known');
  });
});

describe('ghl-auth status', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  /** Rewrites the saved tokens' obtainedAt, as if they had been obtained `daysAgo` days ago. */
  const obtainedDaysAgo = async (daysAgo: number) => {
    const saved = await box.readTokens();
    await writeFile(box.tokensFile, JSON.stringify({ ...saved, obtainedAt: new Date(Date.now() - daysAgo * DAY_MS).toISOString() }));
  };

  it('text: file, location, scopes, expiry, last check; exit 0; no request to GHL', async () => {
    await box.writeTokens();
    await writeLastRun(box.tokensFile, { at: new Date().toISOString(), outcome: 'healthy', exitCode: 0, lastSuccessAt: new Date().toISOString() });
    const result = await box.run(['status']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(box.fake.requests.length, 0);
    for (const expected of [box.tokensFile, 'LOC123demo (company COMP456demo), user type Location', "the check's scopes are present", /expires \S+ \(in 59 min\)/, /last check +\S+: healthy \(exit 0\)/, 'verdict: usable']) {
      assert.match(result.stdout, typeof expected === 'string' ? new RegExp(expected.replace(/[()]/g, '\\$&')) : expected);
    }
  });

  it('--json: the fields, parseable, no token anywhere', async () => {
    const token = await box.writeTokens();
    const result = await box.run(['status', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse(result.stdout);
    assert.equal(status.usable, true);
    assert.equal(status.tokensFile, box.tokensFile);
    assert.equal(status.locationId, 'LOC123demo');
    assert.equal(status.companyId, 'COMP456demo');
    assert.deepEqual(status.scopes, ['contacts.readonly', 'contacts.write']);
    assert.equal(status.checkScopesPresent, true);
    assert.equal(status.accessToken.expired, false);
    assert.ok(Date.parse(status.accessToken.expiresAt) > Date.now());
    assert.ok(status.refreshToken.obtainedAt);
    assert.equal(status.lastCheck, null);
    assert.ok(!result.stdout.includes(String(token.access_token)) && !result.stdout.includes(String(token.refresh_token)));
    assert.doesNotMatch(result.stdout, /access_token|refresh_token/);
  });

  it('no token file, or an unreadable one: exit 2', async () => {
    assert.equal((await box.run(['status'])).code, 2);
    await writeFile(box.tokensFile, '{"version":1');
    const result = await box.run(['status', '--json']);
    assert.equal(result.code, 2);
    assert.match(verdict(result), /not valid JSON/);
  });

  it("missing the check's scopes: exit 3", async () => {
    await box.writeTokens(3600, { scope: 'contacts.readonly' });
    const result = await box.run(['status', '--json']);
    assert.equal(result.code, 3);
    assert.equal(JSON.parse(result.stdout).checkScopesPresent, false);
    assert.match(verdict(result), /lack contacts\.write.*login --force`? \[scope_missing\]/);
  });

  it('a last check that needed re-authorization counts only for tokens saved before it', async () => {
    await box.writeTokens();
    const failed = { outcome: 'failed' as const, exitCode: 3, reason: 'reauthorization_required', message: 'GHL rejected the stored refresh token' };
    await writeLastRun(box.tokensFile, { ...failed, at: new Date(Date.now() + 1000).toISOString() });
    const dead = await box.run(['status']);
    assert.equal(dead.code, 3);
    assert.match(verdict(dead), /last check .* ended with: GHL rejected the stored refresh token/);
    await writeLastRun(box.tokensFile, { ...failed, at: new Date(Date.now() - DAY_MS).toISOString() });
    assert.equal((await box.run(['status'])).code, 0, 'a login after the failure made the connection usable again');
  });

  it('warns on stderr when the .env holding GHL_CLIENT_SECRET is open to group or others (0644), not at 0600; the exit code is unchanged', async () => {
    await box.writeTokens();
    const envFile = await box.writeSecretEnvFile(0o600);
    const env = { GHL_CLIENT_SECRET: undefined };
    const owned = await box.run(['status'], { env });
    assert.equal(owned.code, 0, owned.stderr);
    assert.deepEqual(chmodAdvice(owned), []);
    await chmod(envFile, 0o644);
    const open = await box.run(['status', '--json'], { env });
    assert.equal(open.code, 0, open.stderr);
    assert.equal(JSON.parse(open.stdout).usable, true, 'stdout is the report alone');
    assert.deepEqual(chmodAdvice(open), open.stderr.trim().split('\n'), 'one line, on stderr');
    assert.ok(open.stderr.includes(`holds GHL_CLIENT_SECRET and is open to its group or others (mode 644): chmod 600 ${envFile}`), open.stderr);
    await obtainedDaysAgo(370);
    const dead = await box.run(['status'], { env });
    assert.equal(dead.code, 3, 'a refresh token past its year is exit 3 all the same');
    assert.equal(chmodAdvice(dead).length, 1);
  });

  it("warns as the refresh token nears GHL's one-year limit, and calls it dead after", async () => {
    await box.writeTokens();
    await obtainedDaysAgo(340);
    const near = await box.run(['status']);
    assert.equal(near.code, 0, near.stderr);
    assert.match(near.stdout, /warning: the refresh token expires unused in \d+ days/);
    await obtainedDaysAgo(370);
    const dead = await box.run(['status']);
    assert.equal(dead.code, 3);
    assert.match(verdict(dead), /GHL expires it after a year/);
  });
});

describe('ghl-auth status: Company tokens and the last check per location', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  /** A Company token as an agency install's code exchange returns it (the stand-in issues none yet), saved as the CLI saves it. */
  const writeCompanyTokens = async (approvedLocations: unknown = ['LOC123demo', 'LOC2', 'LOC3']) => {
    const token: Record<string, unknown> = { ...box.fake.state.issueTokens({ scope: 'oauth.write oauth.readonly locations.readonly contacts.readonly contacts.write' }), userType: 'Company', isBulkInstallation: true, approvedLocations };
    delete token.locationId;
    const now = Date.now();
    const stored = { version: 1, obtainedAt: new Date(now).toISOString(), expiresAt: new Date(now + 3600_000).toISOString(), token };
    await writeFile(box.tokensFile, JSON.stringify(stored), { mode: 0o600 });
  };

  it('a Company token: its type, company, approved locations and whether GHL_LOCATION_ID is among them', async () => {
    await writeCompanyTokens();
    const text = await box.run(['status']);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /^company +COMP456demo, user type Company$/m);
    assert.match(text.stdout, /^token type +Company \(agency install\): 3 location\(s\) approved at install, GHL_LOCATION_ID LOC123demo among them$/m);
    const json = JSON.parse((await box.run(['status', '--json'])).stdout);
    assert.deepEqual(
      { tokenType: json.tokenType, companyId: json.companyId, approvedLocationCount: json.approvedLocationCount, configuredLocationId: json.configuredLocationId, configuredLocationApproved: json.configuredLocationApproved, checkScopesPresent: json.checkScopesPresent },
      { tokenType: 'Company', companyId: 'COMP456demo', approvedLocationCount: 3, configuredLocationId: 'LOC123demo', configuredLocationApproved: true, checkScopesPresent: true },
    );

    const elsewhere = await box.run(['status', '--json'], { env: { GHL_LOCATION_ID: 'LOC9' } });
    assert.equal(elsewhere.code, 0, 'approvedLocations is the list at install time: a warning only');
    assert.equal(JSON.parse(elsewhere.stdout).configuredLocationApproved, false);
    assert.match(JSON.parse(elsewhere.stdout).warnings.join('\n'), /GHL_LOCATION_ID LOC9 is not among the 3 locations approved/);
  });

  it('a Company token with no location to check: exit 2 naming GHL_LOCATION_ID and GHL_CHECK_LOCATIONS; either one fixes it', async () => {
    await writeCompanyTokens('not a list');
    const none = await box.run(['status'], { env: { GHL_LOCATION_ID: undefined } });
    assert.equal(none.code, 2);
    assert.match(none.stdout, /^token type +Company \(agency install\): approved locations not reported$/m);
    assert.match(verdict(none), /Company \(agency\) token and no location is set to check: set GHL_LOCATION_ID .* or GHL_CHECK_LOCATIONS .* \[configuration\]$/);
    assert.equal((await box.run(['status'], { env: { GHL_LOCATION_ID: undefined, GHL_CHECK_LOCATIONS: 'all' } })).code, 0);
  });

  it('a Location token with GHL_CHECK_LOCATIONS=all: exit 2, it reaches only its own location', async () => {
    await box.writeTokens();
    const result = await box.run(['status'], { env: { GHL_CHECK_LOCATIONS: 'all' } });
    assert.equal(result.code, 2);
    assert.match(result.stdout, /^token type +Location \(reaches LOC123demo only\)$/m);
    assert.match(verdict(result), /a Location token for LOC123demo, which reaches only its own location: install the app agency-wide/);
  });

  it('the last check per location: a table on a terminal, failing ones first; `locations` in --json', async () => {
    await box.writeTokens();
    const at = new Date().toISOString();
    const locations: LocationRecord[] = [
      { locationId: 'LOC123demo', name: 'Acme Dental', exitCode: 0, reason: 'healthy', message: 'healthy', lastSuccessAt: at },
      { locationId: 'LOC2', name: 'A name far too long for the table column', exitCode: 4, reason: 'location_inactive', message: 'location LOC2 is not active', lastSuccessAt: null },
      { locationId: 'LOC3', name: null, exitCode: 0, reason: 'healthy', message: 'healthy', lastSuccessAt: at },
    ];
    await writeLastRun(box.tokensFile, { at, outcome: 'failed', exitCode: 4, reason: 'location_inactive', message: '1 of 3 locations failed', locations });
    const text = await box.run(['status']);
    assert.equal(text.code, 0, text.stderr);
    const table = text.stdout.split('\n').filter((line) => line.startsWith('  '));
    assert.match(text.stdout, /^locations +3 in the last check, 1 failed$/m);
    assert.deepEqual(
      table.map((line) => line.trim().split(/ {2,}/)),
      [
        ['location', 'name', 'exit', 'reason', 'last healthy'],
        ['LOC2', 'A name far too long for…', '4', 'location_inactive', 'never'],
        ['LOC123demo', 'Acme Dental', '0', 'healthy', '0 min ago'],
        ['LOC3', '0', 'healthy', '0 min ago'],
      ],
    );
    const json = JSON.parse((await box.run(['status', '--json'])).stdout);
    assert.deepEqual(json.locations, locations);
    assert.equal(json.lastCheck.locations, undefined, 'listed once');
    assert.equal(json.lastCheck.reason, 'location_inactive');
  });

  it('many locations: every failing one listed, the healthy ones counted', async () => {
    await box.writeTokens();
    const at = new Date().toISOString();
    const locations = Array.from({ length: 30 }, (_, index): LocationRecord => ({ locationId: `L${index}`, name: null, exitCode: index < 2 ? 3 : 0, reason: index < 2 ? 'scope_missing' : 'healthy', message: 'm', lastSuccessAt: at }));
    await writeLastRun(box.tokensFile, { at, outcome: 'failed', exitCode: 3, reason: 'scope_missing', locations });
    const text = await box.run(['status']);
    assert.deepEqual(text.stdout.split('\n').filter((line) => line.startsWith('  ')).map((line) => line.trim().split(/ {2,}/)[0]), ['location', 'L0', 'L1', 'and 28 healthy (`ghl-auth status --json` lists every location)']);
  });
});
