import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Sandbox } from './helpers.js';

/** A run's deadline against a one-time request: GHL's answer to a refresh is never dropped for being late. */
describe('the run deadline and the refresh in flight', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  it('an answer to the refresh that arrives after the deadline is saved; the next run is healthy with it', async () => {
    const old = await box.writeTokens(-60);
    // GHL rotates at once and answers 4.5 s later, past the run's 4 s deadline.
    box.fake.fail('token', { kind: 'slow-answer', ms: 4_500 });
    const late = await box.run(['check'], { env: { GHL_CHECK_TIMEOUT_SECONDS: '4' } });
    assert.ok(late.ms > 4_000, `the answer came before the deadline (${late.ms} ms): the test proves nothing`);
    const saved = await box.readTokens();
    assert.notEqual(saved.token.refresh_token, old.refresh_token, `the rotated pair was dropped:\n${late.stderr}${late.stdout}`);
    assert.equal(box.fake.state.refreshTokens.get(String(saved.token.refresh_token))?.uses, 0, 'the saved refresh token is the live one');

    const next = await box.run(['check']);
    assert.equal(next.code, 0, next.stderr + next.stdout);
    assert.deepEqual(box.fake.requestsTo('token').map((request) => request.form?.refresh_token), [old.refresh_token], 'the old refresh token was presented once');
  });
});
