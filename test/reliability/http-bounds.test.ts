import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { boundOf, DELIVERY_RETRY_POLICY, GHL_RETRY_POLICY } from '../../src/retry-policy.js';
import { Sandbox, verdict } from '../helpers.js';

/** The production waits themselves, through the built CLI: the fast suite injects milliseconds instead. */
describe('HTTP bounds at their production values', () => {
  let box: Sandbox;
  beforeEach(async () => (box = await Sandbox.create()));
  afterEach(async () => box.close());

  it('a refresh answered after the per-attempt timeout is waited for, never sent again with the spent token', async () => {
    await box.writeTokens(-60);
    box.fake.fail('token', { kind: 'slow-answer', ms: GHL_RETRY_POLICY.attemptTimeoutMs + 1_000 });
    const result = await box.run(['check'], { env: { GHL_CHECK_TIMEOUT_SECONDS: '40' }, timeoutMs: 45_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(box.fake.requestsTo('token').length, 1);
    assert.equal(box.fake.state.refreshTokensSpentTwice, 0);
  });

  it('hanging alert and ping endpoints are given up after one retry each, within the delivery bound, exit code unchanged', async () => {
    const token = await box.writeTokens(-60);
    box.fake.state.refreshTokens.delete(String(token.refresh_token));
    const { locationId } = box.fake.state.setup;
    box.fake.fail('webhook', { kind: 'hang' }, { kind: 'hang' });
    box.fake.fail('ping', { kind: 'status', status: 200 }, { kind: 'hang' }, { kind: 'hang' }); // /start answered, the end hangs
    const result = await box.run(['check'], { env: { GHL_ALERT_WEBHOOK_URL: `${box.fake.url}/hooks/${locationId}/webhook-trigger/h`, GHL_HEALTHCHECKS_URL: `${box.fake.url}/ping/p` } });
    assert.equal(result.code, 3);
    assert.equal(box.fake.requestsTo('webhook').length, DELIVERY_RETRY_POLICY.attempts);
    assert.equal(box.fake.requestsTo('ping').length, 3);
    assert.ok(result.ms < boundOf(DELIVERY_RETRY_POLICY) + 5_000, `ended after ${result.ms} ms`);
    assert.match(verdict(result), /Invalid grant.*\[reauthorization_required\]/);
  });
});
