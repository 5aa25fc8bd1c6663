import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Sandbox } from './helpers.js';

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
