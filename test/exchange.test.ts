import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Sandbox, verdict } from './helpers.js';

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
    assert.equal((await stat(`${box.tokensFile}.bak`)).mode & 0o777, 0o600);
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
