import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { writeLastRun } from '../src/last-run.js';
import { Sandbox, verdict } from './helpers.js';

const DAY_MS = 24 * 3600_000;

describe('ghl-auth exchange and authorize-url', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  it('exchange --code saves the tokens, without a check', async () => {
    const result = await box.run(['exchange', '--code', box.fake.state.issueCode()]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(box.fake.requests.map((r) => r.form?.grant_type), ['authorization_code']);
    assert.equal((await stat(box.tokensFile)).mode & 0o777, 0o600);
    assert.match(result.stdout, /location LOC123demo/);
    assert.doesNotMatch(result.stdout, /Remove GHL_AUTHORIZATION_CODE/);
  });

  it('exchange takes GHL_AUTHORIZATION_CODE and says to remove it', async () => {
    const result = await box.run(['exchange'], { env: { GHL_AUTHORIZATION_CODE: box.fake.state.issueCode() } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Remove GHL_AUTHORIZATION_CODE from \.env/);
  });

  it('a used code is exit 3 and saves nothing', async () => {
    const code = box.fake.state.issueCode();
    box.fake.state.redeemCode(code);
    const result = await box.run(['exchange', '--code', code]);
    assert.equal(result.code, 3);
    assert.match(verdict(result), /rejected the authorization code \(Invalid grant\).*single-use/);
    await assert.rejects(stat(box.tokensFile));
  });

  it('no code at all is exit 2 naming both ways to give one', async () => {
    const result = await box.run(['exchange']);
    assert.equal(result.code, 2);
    assert.match(verdict(result), /--code CODE.*GHL_AUTHORIZATION_CODE/);
    assert.equal(box.fake.requests.length, 0);
  });

  it('an existing token file is kept unless --force, which keeps a .bak; a refused run spends no code', async () => {
    await box.writeTokens();
    const before = await readFile(box.tokensFile);
    const code = box.fake.state.issueCode();
    const refused = await box.run(['exchange', '--code', code]);
    assert.equal(refused.code, 2);
    assert.equal(box.fake.state.codes.get(code)?.used, false);
    const result = await box.run(['exchange', '--force', '--code', code]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await readFile(`${box.tokensFile}.bak`), before);
  });

  it('a failed --force replacement leaves the token file and the existing .bak as they were', async () => {
    await box.writeTokens();
    const current = await readFile(box.tokensFile);
    await writeFile(`${box.tokensFile}.bak`, 'an older backup');
    const used = box.fake.state.issueCode();
    box.fake.state.redeemCode(used);
    const result = await box.run(['exchange', '--force', '--code', used]);
    assert.equal(result.code, 3);
    assert.deepEqual(await readFile(box.tokensFile), current);
    assert.equal(await readFile(`${box.tokensFile}.bak`, 'utf8'), 'an older backup');
  });

  it('authorize-url prints only the URL, from GHL_AUTHORIZE_URL and GHL_SCOPES, with a new state each time', async () => {
    const env = { GHL_AUTHORIZE_URL: 'https://marketplace.leadconnectorhq.com/oauth/chooselocation', GHL_SCOPES: 'contacts.readonly contacts.write locations.readonly' };
    const [first, second] = await Promise.all([box.run(['authorize-url'], { env }), box.run(['authorize-url'], { env })]);
    assert.equal(first?.code, 0, first?.stderr);
    const lines = first?.stdout.trim().split('\n') ?? [];
    assert.equal(lines.length, 1);
    const url = new URL(String(lines[0]));
    assert.equal(`${url.origin}${url.pathname}`, env.GHL_AUTHORIZE_URL);
    assert.equal(url.searchParams.get('scope'), env.GHL_SCOPES);
    assert.equal(url.searchParams.get('redirect_uri'), box.fake.state.setup.redirectUri);
    assert.notEqual(url.searchParams.get('state'), new URL(String(second?.stdout.trim())).searchParams.get('state'));
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

describe('ghl-auth refresh', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  it('leaves a token outside the margin alone; --force refreshes and saves the rotated pair', async () => {
    const old = await box.writeTokens();
    const kept = await box.run(['refresh']);
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /not refreshed: .*beyond the 300 s margin/);
    assert.equal(box.fake.requests.length, 0);

    const forced = await box.run(['refresh', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(box.fake.requestsTo('token')[0]?.form?.refresh_token, old.refresh_token);
    const saved = await box.readTokens();
    assert.equal(box.fake.state.refreshTokens.get(String(saved.token.refresh_token))?.uses, 0);
    assert.match(forced.stdout, new RegExp(`refreshed: the new access token expires ${saved.expiresAt.replace(/\./g, '\\.')}`));
  });

  it('refreshes a token inside the margin without --force', async () => {
    await box.writeTokens(60);
    const result = await box.run(['refresh']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(box.fake.requestsTo('token').length, 1);
    assert.match(result.stdout, /^refreshed: /m);
  });
});

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
});
