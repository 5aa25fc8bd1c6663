import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Sandbox } from './helpers.js';

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
});
